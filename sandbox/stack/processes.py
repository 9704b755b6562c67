"""Processes as the operating system sees them (Linux's /proc): liveness, command lines, environments,
process trees, and stopping by PID.

The stack finds its own processes here (what a dead supervisor left running, a stream job's state),
and so do the reliability tests and benchmarks (tests/reliability/procs.py adds memory and sockets).
A process belongs to a stack when its environment names the stack's state dir
(``CADABRA_STATE_DIR``): every process the stack starts inherits it. Elsewhere than Linux the
/proc readers find nothing and `alive` falls back to ``kill(pid, 0)``.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Iterable


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError:
        return b""


def alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    stat = _read(f"/proc/{pid}/stat").decode(errors="replace")
    if not stat:
        return not Path("/proc/self").exists()  # no /proc: kill(pid, 0) is all there is
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def cmdline(pid: int) -> list[str]:
    return [part.decode(errors="replace") for part in _read(f"/proc/{pid}/cmdline").split(b"\0") if part]


def environ(pid: int) -> dict[str, str]:
    pairs = (item.decode(errors="replace").partition("=") for item in _read(f"/proc/{pid}/environ").split(b"\0"))
    return {key: value for key, _, value in pairs if key}


def parent_of(pid: int) -> int | None:
    stat = _read(f"/proc/{pid}/stat").decode(errors="replace")
    try:
        return int(stat.rsplit(")", 1)[1].split()[1])
    except (IndexError, ValueError):
        return None


def all_pids() -> list[int]:
    try:
        return [int(name) for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return []


def descendants(root: int) -> set[int]:
    """`root` and every live process below it."""
    children: dict[int, list[int]] = {}
    for pid in all_pids():
        parent = parent_of(pid)
        if parent is not None:
            children.setdefault(parent, []).append(pid)
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid not in found and alive(pid):
            found.add(pid)
            todo.extend(children.get(pid, []))
    return found


def of_state_dir(state_dir: Path, markers: Iterable[str]) -> list[int]:
    """Live processes of the stack in `state_dir` whose first three command-line words contain one
    of `markers` (a program or module name), this process excepted."""
    markers = tuple(markers)
    found = []
    for pid in all_pids():
        if pid == os.getpid():
            continue
        head = cmdline(pid)[:3]
        if any(marker in word for word in head for marker in markers) and alive(pid):
            if environ(pid).get("CADABRA_STATE_DIR") == str(state_dir):
                found.append(pid)
    return found


def leads_group(pid: int) -> bool:
    """`pid` leads its process group (it was started in a session of its own)."""
    try:
        return os.getpgid(pid) == pid
    except (ProcessLookupError, PermissionError):
        return False


def terminate(pid: int, timeout: float = 40.0, *, group: bool = False) -> None:
    """SIGTERM, then SIGKILL after `timeout` seconds; with `group`, the process group `pid` leads (a
    stream job and its JVM). Reaps `pid` when it is this process's child."""
    send = (lambda sig: os.killpg(pid, sig)) if group else (lambda sig: os.kill(pid, sig))
    try:
        send(signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        if alive(pid) or group:  # a group may outlive its leader (the JVM)
            send(signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
