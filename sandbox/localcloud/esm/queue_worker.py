"""The loop of an SQS mapping: gather a batch (BatchSize, MaximumBatchingWindowInSeconds), invoke,
delete what succeeded.

https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sandbox.backoff import Backoff
from sandbox.localcloud.esm import filters
from sandbox.localcloud.esm.model import ProcessingResult, ShardStats
from sandbox.localcloud.esm.sqs_poller import SqsPoller, arrival
from sandbox.localcloud.esm.stream_worker import WINDOW_POLL_S, WorkerContext
from sandbox.localcloud.shared import poll_loop
from sandbox.localcloud.shared.poll_loop import IDLE_CAP, IDLE_FIRST, Poll

log = logging.getLogger(__name__)

QUEUE_SHARD = "queue"  # the single row describe() shows for a queue


class QueueWorker:
    def __init__(self, context: WorkerContext, poller: SqsPoller) -> None:
        self._ctx = context
        self._poller = poller
        self.stats: ShardStats = context.status.stats(QUEUE_SHARD)
        self.thread = threading.Thread(target=self._run, name=f"esm-{context.status.uuid[:8]}-sqs", daemon=True)

    def start(self) -> "QueueWorker":
        self.thread.start()
        return self

    def _run(self) -> None:
        idle = Backoff(IDLE_FIRST * 4, IDLE_CAP * 2)  # each empty poll is a ReceiveMessage call
        poll_loop.run(self._step, self._ctx.stop, on_error=self._poll_failed, on_gone=self._poll_failed, idle=idle)

    def _step(self) -> Poll:
        config = self._ctx.config()
        batch = self._gather(config.batch_size, config.window_s)
        if self._ctx.status.clear_problem():
            log.info("mapping %s polls %s again", config.uuid, self._poller.queue_arn)
        if not batch:
            return Poll.EMPTY
        self.stats.note_read(arrival(batch[-1]))
        unmatched = [r for r in batch if not filters.matches(config.filters, r)]
        if unmatched:  # messages no filter matches are deleted, as AWS does
            self._poller.delete(unmatched)
            batch = [r for r in batch if r not in unmatched]
            if not batch:
                return Poll.FULL
        outcome = self._ctx.sender.send(
            config.function_arn, batch, [r["messageId"] for r in batch], config.report_item_failures
        )
        failed = set(outcome.failed)
        done = batch if outcome.ok else [r for r in batch if outcome.partial and r["messageId"] not in failed]
        try:
            self._poller.delete(done)
        except Exception as exc:  # the messages come back after the visibility timeout: at-least-once
            log.warning("deleting processed messages of mapping %s failed: %s", config.uuid, exc)
        self.stats.records += len(done)
        self.stats.batches += 1 if outcome.ok else 0
        self.stats.checkpoint = batch[-1]["messageId"]
        if not outcome.ok:
            self.stats.failures += 1
        self._ctx.status.last_result = ProcessingResult.OK if outcome.ok else ProcessingResult.PROBLEM
        return Poll.FULL

    def _poll_failed(self, exc: Exception) -> None:
        """The queue cannot be read (deleted, no access): reported as AWS does, warned once per change."""
        if self._ctx.status.note_problem(f"PROBLEM: cannot poll {self._poller.queue_arn}: {exc}"):
            log.warning("polling %s for mapping %s failed: %s", self._poller.queue_arn, self._ctx.status.uuid, exc)

    def _gather(self, limit: int, window_s: float) -> list[dict[str, Any]]:
        batch = self._poller.receive(limit)
        if not batch:
            return batch
        deadline = time.monotonic() + window_s
        while len(batch) < limit and not self._ctx.stop.is_set():
            more = self._poller.receive(limit - len(batch))
            batch.extend(more)
            if more:
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._ctx.stop.wait(min(WINDOW_POLL_S * 5, remaining))
        return batch
