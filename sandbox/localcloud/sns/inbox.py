"""The SNS inbox: email, email-json and SMS deliveries, recorded instead of sent.

Nothing leaves the machine: each delivery is kept in memory (the last ``INBOX_LIMIT``) and appended
to ``STATE_DIR/sns/inbox.jsonl``, so ``cadabra inbox`` in another process sees it too.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from pathlib import Path
from typing import Any

from sandbox.settings import Settings, get_settings

INBOX_LIMIT = 1000

_active: "Inbox | None" = None  # the inbox of the localcloud running in this process, if any


class Inbox:
    """The deliveries of one running localcloud, in memory and in its state dir's file."""

    def __init__(self, settings: Settings) -> None:
        self.path = inbox_file(settings)
        self._entries: deque[dict[str, Any]] = deque(maxlen=INBOX_LIMIT)
        self._lock = threading.Lock()

    def open(self) -> None:
        """Start empty, as moto's state does, and become this process's inbox."""
        global _active
        self.clear()
        _active = self

    def close(self) -> None:
        global _active
        if _active is self:
            _active = None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text("")

    def add(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.append(entry)
            with self.path.open("a") as out:
                out.write(json.dumps(entry) + "\n")

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(entry) for entry in self._entries]


def inbox_file(settings: Settings) -> Path:
    return settings.state_dir / "sns" / "inbox.jsonl"


def inbox(settings: Settings | None = None) -> list[dict[str, Any]]:
    """Email/email-json/SMS deliveries, oldest first.

    In the process that runs localcloud this is the in-memory inbox; elsewhere (the CLI) it is read
    from the stack's ``STATE_DIR/sns/inbox.jsonl``.
    """
    if _active is not None:
        return _active.entries()
    path = inbox_file(settings or get_settings())
    if not path.exists():
        return []
    entries = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return entries[-INBOX_LIMIT:]
