"""What every destination implements, and what the engine hands it for one delivery."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Protocol

from sandbox.localcloud.firehose.records import BufferingHints, Record
from sandbox.localcloud.firehose.store import ObjectStore
from sandbox.settings import Settings


@dataclass(frozen=True)
class StreamIdentity:
    name: str
    arn: str
    version: str
    region: str
    account_id: str


@dataclass
class DeliveryContext:
    """The stream being delivered, where objects go, the stack's settings and the clock."""

    stream: StreamIdentity
    store: ObjectStore
    settings: Settings
    clock: Callable[[], datetime]


@dataclass
class ErrorBatch:
    """Records bound for the error location: one error document each, of one error-output type."""

    records: list[Record]
    error_type: str
    documents: list[dict[str, Any]]


@dataclass
class Outcome:
    """What one delivery attempt did: counts, and records to try again later."""

    delivered: int = 0
    failed: int = 0
    retry: list[Record] = field(default_factory=list)
    errors: list[ErrorBatch] = field(default_factory=list)  # for the engine to write (and retry writing)
    error: str | None = None


class Destination(Protocol):
    """One destination type, built from its DescribeDeliveryStream description."""

    kind: str
    buffering: BufferingHints
    retry_seconds: float  # how long failed attempts are retried before records go to the error location

    def deliver(self, records: list[Record], ctx: DeliveryContext, *, attempts: int, give_up: bool) -> Outcome:
        """Deliver records; with give_up, put what still fails in the error location instead of retrying."""
        ...

    def write_failed(
        self, records: list[Record], error_type: str, documents: list[dict[str, Any]], ctx: DeliveryContext
    ) -> None:
        """Write error documents (one per record) to this destination's S3 error location."""
        ...
