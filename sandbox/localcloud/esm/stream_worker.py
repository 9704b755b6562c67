"""The per-shard loop of a Kinesis or DynamoDB stream mapping.

https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchwindow.html (batching)
https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-errors.html (retries, bisect, age)

One thread per shard keeps the shard's order: read a batch after the checkpoint (waiting up to
MaximumBatchingWindowInSeconds for a full one), invoke, and move the checkpoint only past records
the function accepted. Failed batches are retried (MaximumRetryAttempts, -1 = until they expire),
split in two first when BisectBatchOnFunctionError is on (a split does not use a retry), resumed
from the lowest failed sequence number on a partial batch response, and dropped with an
invocation record to the OnFailure destination when retries run out or records pass
MaximumRecordAgeInSeconds.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from datetime import datetime
from dataclasses import dataclass
from typing import Callable

from sandbox.arn import parse_as
from sandbox.backoff import Backoff
from sandbox.localcloud.esm import filters
from sandbox.localcloud.esm.failure_record import failure_record
from sandbox.localcloud.esm.model import (
    FailureCondition,
    MappingConfig,
    MappingStatus,
    ProcessingResult,
    ShardStats,
    StartingPosition,
)
from sandbox.localcloud.esm.records import MAX_PAYLOAD_BYTES, ShardReader, SourceGone, SourceRecord
from sandbox.localcloud.esm.sender import Outcome, Sender
from sandbox.localcloud.shared import poll_loop
from sandbox.localcloud.shared.destinations import DestinationSender
from sandbox.localcloud.shared.poll_loop import Poll

log = logging.getLogger(__name__)

EVENT_OVERHEAD_BYTES = 400  # JSON around each record's data in the event
WINDOW_POLL_S = 0.02
RETRY_FIRST, RETRY_CAP = 0.05, 1.0  # the function failed: retry the batch (AWS backs off exponentially too)
ON_FAILURE_SERVICES = ("sqs", "sns", "s3")


@dataclass
class WorkerContext:
    """What every worker of one mapping shares."""

    config: Callable[[], MappingConfig]  # re-read before each batch so updates apply at once
    status: MappingStatus
    sender: Sender
    destinations: DestinationSender
    identity: Callable[[str], str]  # function ARN -> the role ARN the event names
    batch_info_key: str
    stream_arn: str
    stop: threading.Event


class ShardWorker:
    def __init__(self, context: WorkerContext, reader: ShardReader) -> None:
        self._ctx = context
        self._reader = reader
        self.stats: ShardStats = context.status.stats(reader.shard_id)
        self.thread = threading.Thread(
            target=self._run, name=f"esm-{context.status.uuid[:8]}-{reader.shard_id}", daemon=True
        )

    def start(self) -> "ShardWorker":
        self.thread.start()
        return self

    # -- the loop ------------------------------------------------------------------------------
    def _run(self) -> None:
        poll_loop.run(self._step, self._ctx.stop, on_error=self._read_failed, on_gone=self._gone)

    def _step(self) -> Poll:
        config = self._ctx.config()
        batch = self._gather(config)
        if not batch:
            return Poll.EMPTY
        kept = [r for r in batch if filters.matches(config.filters, r.event)]
        if kept:
            self._deliver(config, kept)
        if kept[-1:] != batch[-1:] and not self._ctx.stop.is_set():
            self._checkpoint(batch[-1])  # records no filter matched are skipped, as AWS does
        # caught up: let the next batch fill instead of invoking per trickle
        return Poll.FULL if len(batch) >= config.batch_size else Poll.CAUGHT_UP

    def _read_failed(self, exc: Exception) -> None:
        log.error("reading shard %s of mapping %s failed", self._reader.shard_id, self._ctx.status.uuid, exc_info=exc)

    def _gone(self, exc: SourceGone) -> None:
        if self._ctx.status.note_problem(f"PROBLEM: {exc}"):
            log.warning("mapping %s: %s; its poller of %s stops", self._ctx.status.uuid, exc, self._reader.shard_id)

    def _checkpoint_position(self, config: MappingConfig) -> int:
        checkpoints = self._ctx.status.checkpoints
        position = checkpoints.get(self._reader.shard_id)
        if position is None:  # a shard seen for the first time after creation: a new child shard
            start = config.starting_position or StartingPosition.TRIM_HORIZON
            position = checkpoints[self._reader.shard_id] = self._reader.start_after(start, config.starting_timestamp)
        return position

    def _gather(self, config: MappingConfig) -> list[SourceRecord]:
        """A batch after the checkpoint: full, or whatever arrived within the batching window."""
        identity = self._ctx.identity(config.function_arn)
        limit = config.batch_size
        records = self._reader.read(self._checkpoint_position(config), limit, identity)
        if records and config.window_s > 0 and len(records) < limit:
            deadline = time.monotonic() + config.window_s
            while len(records) < limit and not self._ctx.stop.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._ctx.stop.wait(min(WINDOW_POLL_S, remaining))
                records.extend(self._reader.read(records[-1].position, limit - len(records), identity))
        if records:
            records = _within_payload_limit(records)
            self.stats.note_read(records[-1].arrival)
        return records

    # -- delivery ------------------------------------------------------------------------------
    def _deliver(self, config: MappingConfig, batch: list[SourceRecord]) -> None:
        """Deliver `batch` in order; halves from a bisect are queued ahead of the rest."""
        parts: deque[list[SourceRecord]] = deque([batch])
        while parts and not self._ctx.stop.is_set():
            part = parts.popleft()
            halves = self._deliver_part(config, part)
            if halves is None:
                return  # stopped before the part was done: the checkpoint stays before it
            parts.extendleft(reversed(halves))

    def _deliver_part(self, config: MappingConfig, records: list[SourceRecord]) -> list[list[SourceRecord]] | None:
        """Returns the halves still to deliver ([] when done), or None when stopped."""
        retries, invokes = 0, 0
        backoff = Backoff(RETRY_FIRST, RETRY_CAP)
        while True:
            records = self._drop_expired(config, records)
            if not records:
                return []
            outcome = self._ctx.sender.send(
                config.function_arn, [r.event for r in records], [r.sequence_number for r in records],
                config.report_item_failures,
            )
            invokes += 1
            if outcome.ok:
                self.stats.batches += 1
                self._done(records, ProcessingResult.OK)
                return []
            self.stats.failures += 1
            self._ctx.status.last_result = ProcessingResult.PROBLEM
            if outcome.partial:
                failed = set(outcome.failed)
                lowest = min(i for i, r in enumerate(records) if r.sequence_number in failed)
                if lowest:
                    self._done(records[:lowest], ProcessingResult.PROBLEM)
                    records = records[lowest:]
            elif config.bisect and len(records) > 1:
                middle = len(records) // 2
                return [records[:middle], records[middle:]]
            retries += 1
            if 0 <= config.max_retries < retries:
                self._discard(config, records, FailureCondition.RETRIES_EXHAUSTED, invokes, outcome)
                return []
            if self._ctx.stop.wait(backoff.next()):
                return None
            config = self._ctx.config()

    def _drop_expired(self, config: MappingConfig, records: list[SourceRecord]) -> list[SourceRecord]:
        if config.max_record_age_s < 0:
            return records
        oldest_allowed = time.time() - config.max_record_age_s
        fresh = next((i for i, r in enumerate(records) if r.arrival >= oldest_allowed), len(records))
        if fresh:
            self._discard(config, records[:fresh], FailureCondition.RECORD_AGE_EXCEEDED, 0, None)
        return records[fresh:]

    def _discard(
        self,
        config: MappingConfig,
        records: list[SourceRecord],
        condition: FailureCondition,
        invokes: int,
        outcome: Outcome | None,
    ) -> None:
        """Give up on `records`: tell the OnFailure destination, then checkpoint past them."""
        if config.on_failure_arn:
            document = failure_record(
                function_arn=config.function_arn,
                condition=condition,
                invoke_count=invokes,
                result=outcome.result if outcome else None,
                batch_info_key=self._ctx.batch_info_key,
                shard_id=self._reader.shard_id,
                stream_arn=self._ctx.stream_arn,
                records=records,
            )
            key = None
            if parse_as(config.on_failure_arn, "s3") is not None:  # S3 records carry the batch itself
                document["payload"] = {"Records": [r.event for r in records]}
                key = s3_failure_key(config.uuid, self._reader.shard_id, document["timestamp"])
            try:
                self._ctx.destinations.send(config.on_failure_arn, document, services=ON_FAILURE_SERVICES, key=key)
            except Exception:
                log.exception("sending mapping %s's failure record to %s failed", config.uuid, config.on_failure_arn)
        else:
            log.warning("mapping %s dropped %d records (%s)", config.uuid, len(records), condition.value)
        self.stats.discarded += len(records)
        self._checkpoint(records[-1])

    def _done(self, records: list[SourceRecord], result: ProcessingResult) -> None:
        self.stats.records += len(records)
        self._ctx.status.last_result = result
        self._checkpoint(records[-1])

    def _checkpoint(self, record: SourceRecord) -> None:
        self._ctx.status.checkpoints[self._reader.shard_id] = record.position
        self.stats.checkpoint = record.sequence_number


def s3_failure_key(mapping_uuid: str, shard_id: str, timestamp: str) -> str:
    """AWS's object key of an S3 on-failure record: aws/lambda/UUID/SHARD/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-ID.
    https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html"""
    at = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return f"aws/lambda/{mapping_uuid}/{shard_id}/{at:%Y/%m/%d}/{at:%Y-%m-%dT%H.%M.%S}-{uuid.uuid4()}"


def _within_payload_limit(records: list[SourceRecord]) -> list[SourceRecord]:
    total = 0
    for index, record in enumerate(records):
        total += record.size + EVENT_OVERHEAD_BYTES
        if total > MAX_PAYLOAD_BYTES and index:
            return records[:index]
    return records
