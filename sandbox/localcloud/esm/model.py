"""Shared vocabulary of the event source mappings: states, results, a config snapshot, counters.

AWS reference: https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sandbox.arn import service_of
from sandbox.localcloud.esm import filters
from sandbox.localcloud.shared.kinesis_shards import StartingPosition


class MappingState(StrEnum):
    """`State` as GetEventSourceMapping reports it."""

    CREATING = "Creating"
    ENABLING = "Enabling"
    ENABLED = "Enabled"
    DISABLING = "Disabling"
    DISABLED = "Disabled"
    UPDATING = "Updating"
    DELETING = "Deleting"


class ProcessingResult(StrEnum):
    """`LastProcessingResult` as GetEventSourceMapping reports it."""

    NO_RECORDS = "No records processed"
    OK = "OK"
    PROBLEM = "PROBLEM: Function call failed"


class SourceKind(StrEnum):
    KINESIS = "kinesis"
    DYNAMODB = "dynamodb"
    SQS = "sqs"

    @classmethod
    def of_arn(cls, arn: str) -> "SourceKind":
        """The source kind named by an event source ARN (`arn:aws:<service>:...`)."""
        try:
            return cls(service_of(arn))
        except ValueError:
            raise ValueError(f"event source {arn!r} is not a Kinesis stream, DynamoDB stream or SQS queue") from None


class FailureCondition(StrEnum):
    """`requestContext.condition` of an on-failure invocation record."""

    RETRIES_EXHAUSTED = "RetryAttemptsExhausted"
    RECORD_AGE_EXCEEDED = "RecordAgeExceeded"


REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"


@dataclass(frozen=True)
class MappingConfig:
    """A snapshot of one mapping's settings, read from moto's store before every batch.

    Reading it per batch is what makes UpdateEventSourceMapping (batch size, window, retries...)
    take effect without restarting the pollers.
    """

    uuid: str
    function_arn: str
    source_arn: str
    region: str
    account_id: str
    batch_size: int
    window_s: float
    starting_position: StartingPosition | None
    starting_timestamp: float | None
    max_retries: int  # -1 = infinite
    max_record_age_s: int  # -1 = infinite
    bisect: bool
    report_item_failures: bool
    on_failure_arn: str | None
    filters: tuple[Any, ...] = ()  # FilterCriteria patterns (esm/filters.py); empty: every record

    @classmethod
    def of(cls, esm: Any) -> "MappingConfig":
        """Read moto's `EventSourceMapping` (moto keeps what the API was given, unvalidated)."""
        destination = (esm.destination_config or {}).get("OnFailure") or {}
        position = esm.starting_position
        return cls(
            uuid=esm.uuid,
            function_arn=esm.function_arn,
            source_arn=esm.event_source_arn,
            region=esm.region,
            account_id=esm.account_id,
            batch_size=int(esm.batch_size),
            window_s=float(esm.max_batch_window or 0),
            starting_position=StartingPosition(position) if position else None,
            starting_timestamp=_epoch(esm.starting_position_timestamp),
            max_retries=_int_or(esm.max_retry_attempts, -1),
            max_record_age_s=_int_or(esm.max_record_age, -1),
            bisect=bool(esm.bisect_on_error),
            report_item_failures=REPORT_BATCH_ITEM_FAILURES in (esm.function_response_types or []),
            on_failure_arn=destination.get("Destination") or None,
            filters=_filters(esm.filter_criteria),
        )


def _filters(criteria: Any) -> tuple[Any, ...]:
    try:
        return filters.parse(criteria)
    except filters.InvalidFilter:  # rejected by the API already; a stored one cannot be invalid
        return ()


def _int_or(value: Any, default: int) -> int:
    return default if value is None else int(value)


def _epoch(value: Any) -> float | None:
    """StartingPositionTimestamp arrives as epoch seconds from boto3, or as an ISO string."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return float(value)
    from datetime import datetime

    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


@dataclass
class ShardStats:
    """Counters of one shard (or queue) poller; written by its worker, read by describe()."""

    shard_id: str
    checkpoint: str = ""  # sequence number of the last record checkpointed
    iterator_age_ms: int = 0  # read time minus arrival of the last record read (AWS IteratorAge)
    records: int = 0  # records delivered successfully
    batches: int = 0  # successful invocations
    failures: int = 0  # function calls that failed
    discarded: int = 0  # records given up (retries exhausted, too old)
    last_read_at: float = 0.0

    def note_read(self, last_arrival: float) -> None:
        now = time.time()
        self.last_read_at = now
        self.iterator_age_ms = max(0, int((now - last_arrival) * 1000))

    def row(self) -> dict[str, Any]:
        return {
            "shard_id": self.shard_id,
            "iterator_age_ms": self.iterator_age_ms,
            "checkpoint": self.checkpoint,
            "records": self.records,
            "batches": self.batches,
            "failures": self.failures,
            "discarded": self.discarded,
        }


@dataclass
class MappingStatus:
    """What the pollers know about one mapping, kept across disable/enable (checkpoints too)."""

    uuid: str
    last_result: ProcessingResult = ProcessingResult.NO_RECORDS
    problem: str | None = None  # "PROBLEM: ..." while the pollers cannot start or read the source
    checkpoints: dict[str, int] = field(default_factory=dict)  # shard id -> last position delivered
    shards: dict[str, ShardStats] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def stats(self, shard_id: str) -> ShardStats:
        with self.lock:
            return self.shards.setdefault(shard_id, ShardStats(shard_id))

    def note_problem(self, problem: str) -> bool:
        """Record why the mapping cannot poll; True when that is news (the caller warns once per change)."""
        with self.lock:
            changed, self.problem = self.problem != problem, problem
        return changed

    def clear_problem(self) -> bool:
        """The pollers run again; True when there was a problem to clear."""
        with self.lock:
            had, self.problem = self.problem is not None, None
        return had

    @property
    def last_processing_result(self) -> str:
        """LastProcessingResult as the API reports it: the problem while there is one."""
        return self.problem or self.last_result.value
