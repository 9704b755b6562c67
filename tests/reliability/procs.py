"""The stack as the operating system sees it: processes from /proc (sandbox.stack.processes), memory, and
listeners from the kernel's socket table.

The fault and security tests find their targets here rather than through localcloud's internals:
the supervisor is the process whose command line runs `sandbox.stack.supervisor` with this state
dir in its environment; a Lambda worker is a descendant whose environment carries the reserved
`AWS_LAMBDA_FUNCTION_NAME` (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html);
PostgreSQL is found from its own `postmaster.pid`. Linux only (the sandbox's platform).
"""

from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from sandbox.settings import Settings
from sandbox.stack.processes import alive, cmdline, descendants, environ, of_state_dir  # noqa: F401 (for the tests)

TCP_LISTEN = "0A"


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError:
        return b""


def supervisor(settings: Settings) -> int | None:
    """The live supervisor process of this stack's state dir, found by command line and environment."""
    return next(iter(of_state_dir(settings.state_dir, ["sandbox.stack.supervisor"])), None)


def postmaster(settings: Settings) -> int | None:
    """PostgreSQL's postmaster for this stack (the first line of its postmaster.pid), if alive."""
    try:
        pid = int((settings.postgres_data_dir / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if alive(pid) else None


def stack_tree(settings: Settings) -> set[int]:
    """Every process of the embedded stack: the supervisor's tree (localcloud, osmem-server, Lambda
    workers, the console) and PostgreSQL's (pg_ctl detaches it from the supervisor)."""
    pids: set[int] = set()
    for root in (supervisor(settings), postmaster(settings)):
        if root is not None:
            pids |= descendants(root)
    return pids


STREAM_JOB = "stream job"


def component(pid: int) -> str:
    """What a stack process is, for memory reports: the supervisor (localcloud and the console run in
    it), a Lambda worker (by function), the stream job's Python driver or its JVM, osmem-server,
    PostgreSQL."""
    command = cmdline(pid)
    head = " ".join(command[:3])
    if "sandbox.stack.supervisor" in head:
        return "supervisor (localcloud, console)"
    function = environ(pid).get("AWS_LAMBDA_FUNCTION_NAME")
    if function:
        return f"Lambda {function}"
    if "spark-submit" in head:
        return STREAM_JOB + " (launcher)"
    if "spark_jobs." in head:
        return STREAM_JOB + " (driver)"
    if "pyspark." in head:
        return STREAM_JOB + " (Python workers)"
    if command and command[0].endswith("java"):
        return STREAM_JOB + " (JVM)"
    if "osmem-server" in head:
        return "osmem-server"
    if "postgres" in head:
        return "PostgreSQL"
    return "other: " + (head[:40] or str(pid))


PSS = ("Pss",)
# the memory a process holds: its anonymous pages (heap, stacks, mmapped blocks) and shared memory
# (PostgreSQL's buffers), each split among the processes sharing it; not the pages of files it maps
# (code, libraries), which the kernel can drop and read again, and whose share of a library moves
# whenever another process maps or unmaps it
HELD = ("Pss_Anon", "Pss_Shmem")


def memory_by_component(pids: set[int], *field_sets: tuple[str, ...]) -> list[dict[str, int]]:
    """For each of `field_sets`, `memory_bytes` summed per `component` (each process read once)."""
    out: list[dict[str, int]] = [{} for _ in field_sets]
    for pid in pids:
        name = component(pid)
        for sizes, size in zip(out, memory_of(pid, *field_sets)):
            sizes[name] = sizes.get(name, 0) + size
    return out


def lambda_workers(settings: Settings, function: str) -> list[int]:
    """Live worker processes (execution environments) of `function` in this stack."""
    root = supervisor(settings)
    if root is None:
        return []
    return sorted(pid for pid in descendants(root) - {root}
                  if environ(pid).get("AWS_LAMBDA_FUNCTION_NAME") == function)


def memory_bytes(pids: set[int], fields: tuple[str, ...] = PSS) -> int:
    """Memory of these processes together: the sum of `fields` of their /proc/<pid>/smaps_rollup
    (PSS by default, which splits shared pages among the processes sharing them: PostgreSQL's
    backends share its buffers; summed RSS would count them once per backend)."""
    return sum(memory_of(pid, fields)[0] for pid in pids)


def memory_of(pid: int, *field_sets: tuple[str, ...]) -> tuple[int, ...]:
    """One process's memory, the sum of each of `field_sets` of its smaps_rollup, read once. A
    kernel without those fields (before Linux 5.9 for HELD's): its PSS; without smaps_rollup: VmRSS."""
    rollup = _kib_fields(_read(f"/proc/{pid}/smaps_rollup"))
    if not rollup:
        return (_kib_fields(_read(f"/proc/{pid}/status")).get("VmRSS", 0),) * len(field_sets)
    return tuple(sum(rollup[f] for f in fields) if all(f in rollup for f in fields) else rollup.get("Pss", 0)
                 for fields in field_sets)


def _kib_fields(text: bytes) -> dict[str, int]:
    """`Name:   123 kB` lines as {name: bytes}."""
    out = {}
    for line in text.decode(errors="replace").splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if len(parts) == 2 and parts[1] == "kB" and parts[0].isdigit():
            out[name] = int(parts[0]) * 1024
    return out


# -- sockets ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listener:
    pid: int
    protocol: str  # tcp, tcp6, udp, udp6
    address: str
    port: int

    @property
    def loopback(self) -> bool:
        address = ipaddress.ip_address(self.address)
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return address.is_loopback


def _decode_address(hex_address: str, protocol: str) -> str:
    raw = bytes.fromhex(hex_address)
    if protocol.endswith("6"):  # four host-order 32-bit words
        raw = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
        return socket.inet_ntop(socket.AF_INET6, raw)
    return socket.inet_ntop(socket.AF_INET, raw[::-1])


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        pass
    return inodes


def listeners(pids: set[int]) -> list[Listener]:
    """Every listening TCP socket and bound, unconnected UDP socket owned by one of `pids`."""
    owner = {inode: pid for pid in pids for inode in _socket_inodes(pid)}
    found = []
    for protocol in ("tcp", "tcp6", "udp", "udp6"):
        lines = _read(f"/proc/net/{protocol}").decode().splitlines()[1:]
        for line in lines:
            fields = line.split()
            local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
            if inode not in owner:
                continue
            listening = state == TCP_LISTEN if protocol.startswith("tcp") else int(remote.split(":")[1], 16) == 0
            if listening:
                address, port = local.split(":")
                found.append(Listener(owner[inode], protocol, _decode_address(address, protocol), int(port, 16)))
    return found
