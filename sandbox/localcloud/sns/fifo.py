"""SNS FIFO topics: sequence numbers and topic-level deduplication, which moto lacks.

https://docs.aws.amazon.com/sns/latest/dg/fifo-message-dedup.html and
https://docs.aws.amazon.com/sns/latest/api/API_Publish.html (``SequenceNumber``): a FIFO topic drops
a message whose deduplication ID (given, or the SHA-256 of the body with content-based
deduplication) it accepted within the last 5 minutes, and numbers each message it accepts.

Known gaps: a duplicate gets a new MessageId (AWS answers the original's); sequence numbers are a
counter per topic (AWS's are 20 digits too, but not consecutive).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from typing import Any

DEDUPLICATION_SECONDS = 300
REMEMBERED_MESSAGES = 10000
SEQUENCE_BASE = 10**19  # 20 digits, as AWS's


def deduplication_id(topic: Any, message: str, given: str | None) -> str | None:
    """The ID a FIFO topic deduplicates on: the given one, else the body's SHA-256 if the topic asks for it."""
    if given or not _on(getattr(topic, "content_based_deduplication", False)):
        return given
    return hashlib.sha256(message.encode("utf-8")).hexdigest()


def _on(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


class FifoTopics:
    """Per FIFO topic: the sequence number of each message and the deduplication IDs seen lately.

    Keyed by MessageId, so every subscription of one Publish sees the same answer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, int] = {}
        self._numbers: OrderedDict[str, str] = OrderedDict()  # message id -> sequence number
        self._seen: dict[tuple[str, str], tuple[str, float]] = {}  # (topic, dedup id) -> (message id, when)
        self._dropped: OrderedDict[str, bool] = OrderedDict()  # message id -> a duplicate

    def reset(self) -> None:
        with self._lock:
            self._counters.clear()
            self._numbers.clear()
            self._seen.clear()
            self._dropped.clear()

    def sequence_number(self, topic_arn: str, message_id: str) -> str:
        with self._lock:
            number = self._numbers.get(message_id)
            if number is None:
                self._counters[topic_arn] = self._counters.get(topic_arn, 0) + 1
                number = self._numbers[message_id] = str(SEQUENCE_BASE + self._counters[topic_arn])
                _trim(self._numbers)
            return number

    def is_duplicate(self, topic_arn: str, dedup_id: str | None, message_id: str) -> bool:
        """True when another message with this deduplication ID was accepted in the last 5 minutes."""
        if not dedup_id:
            return False
        with self._lock:
            if message_id in self._dropped:
                return self._dropped[message_id]
            now = time.monotonic()
            first = self._seen.get((topic_arn, dedup_id))
            duplicate = first is not None and first[0] != message_id and now - first[1] < DEDUPLICATION_SECONDS
            if not duplicate:
                self._seen[(topic_arn, dedup_id)] = (message_id, now)
            self._dropped[message_id] = duplicate
            _trim(self._dropped)
            if len(self._seen) > REMEMBERED_MESSAGES:
                self._seen = {k: v for k, v in self._seen.items() if now - v[1] < DEDUPLICATION_SECONDS}
            return duplicate


def _trim(remembered: OrderedDict[str, Any]) -> None:
    while len(remembered) > REMEMBERED_MESSAGES:
        remembered.popitem(last=False)
