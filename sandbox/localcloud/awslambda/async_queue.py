"""Asynchronous Lambda invocation: the Event queue, retries per EventInvokeConfig, destinations.

Asynchronous invocation: https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
queued, retried ``MaximumRetryAttempts`` times (EventInvokeConfig, default 2), events older than
``MaximumEventAgeInSeconds`` dropped, OnSuccess/OnFailure destinations (SQS, SNS, Lambda), the
function's DeadLetterConfig queue or topic (the event as-is, with RequestID/ErrorCode/ErrorMessage):
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html

Known gaps: retry delays are ``RETRY_BACKOFF``'s seconds instead of AWS's one and two minutes,
so demos finish; no EventBridge or S3 destinations.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

from sandbox.backoff import Backoff
from sandbox.localcloud.awslambda.config import (
    FunctionConfig, Outcome, error_payload, invoked_arn, iso_now, zero_reserved_concurrency,
)
from sandbox.localcloud.awslambda import answers
from sandbox.localcloud.shared.destinations import DestinationSender, UnsupportedDestination
from sandbox.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_ASYNC_RETRIES = 2
DEFAULT_MAX_EVENT_AGE_SECONDS = 21600
RETRY_BACKOFF = Backoff(first=1.0, cap=2.0)  # AWS waits 1 and 2 minutes; shortened so local runs finish
ASYNC_CONCURRENCY = 4

RunFunction = Callable[[Any, FunctionConfig, bytes, str, str], "tuple[Outcome, bytes]"]
"""Runs one invocation synchronously: (moto function, config, payload, invoked ARN, request id)."""


@dataclass(order=True)
class AsyncEvent:
    """One queued event; ordered by when it is due (then by arrival)."""

    due: float
    seq: int
    fn: Any = field(compare=False)
    payload: bytes = field(compare=False)
    invoked_arn: str = field(compare=False)
    request_id: str = field(compare=False)
    enqueued: float = field(compare=False)
    attempt: int = field(default=0, compare=False)


class AsyncQueue:
    """The Event invocations waiting to run (or to be retried), a scheduler thread and its runners."""

    def __init__(self, settings: Settings, run: RunFunction, destinations: DestinationSender) -> None:
        self.settings = settings
        self._run = run
        self._destinations = destinations
        self._heap: list[AsyncEvent] = []
        self._cond = threading.Condition()
        self._seq = itertools.count()
        self._pool = ThreadPoolExecutor(max_workers=ASYNC_CONCURRENCY, thread_name_prefix="lambda-async")
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="lambda-async-scheduler", daemon=True)
        self._thread.start()

    def clear(self) -> None:
        """Drop the queued events (moto's reset); running ones finish."""
        with self._cond:
            self._heap.clear()

    def stop(self) -> None:
        """Drop the queued events and wait for the running ones; later enqueues are refused."""
        with self._cond:
            self._stopping = True
            self._heap.clear()
            self._cond.notify_all()
        self._thread.join(timeout=5)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def enqueue(self, fn: Any, payload: bytes, invoked_arn: str, request_id: str) -> None:
        """Queue one Event invocation to run now (the Invoke API has already answered 202)."""
        now = time.monotonic()
        event = AsyncEvent(now, next(self._seq), fn, payload, invoked_arn, request_id, now)
        with self._cond:
            if self._stopping:
                raise RuntimeError("the Lambda executor is shutting down: the event was not queued")
            heapq.heappush(self._heap, event)
            self._cond.notify()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and (not self._heap or self._heap[0].due > time.monotonic()):
                    timeout = self._heap[0].due - time.monotonic() if self._heap else None
                    self._cond.wait(timeout)
                if self._stopping:
                    return
                event = heapq.heappop(self._heap)
            try:
                self._pool.submit(self._run_async, event)
            except RuntimeError:  # the pool shut down under us
                return

    def _run_async(self, event: AsyncEvent) -> None:
        fn = event.fn
        config = FunctionConfig.of(fn)
        invoke_config = (fn.event_invoke_config[0].config if getattr(fn, "event_invoke_config", None) else {}) or {}
        if zero_reserved_concurrency(fn):  # throttled, never run: straight to the on-failure destination
            self._send_to_destination(invoke_config, "OnFailure", event, config, None, "ZeroReservedConcurrency")
            return
        retries = int(invoke_config.get("MaximumRetryAttempts", DEFAULT_ASYNC_RETRIES))
        max_age = float(invoke_config.get("MaximumEventAgeInSeconds", DEFAULT_MAX_EVENT_AGE_SECONDS))
        try:
            outcome, _ = self._run(fn, config, event.payload, event.invoked_arn, event.request_id)
        except Exception as exc:  # e.g. bad code: counts as a failed attempt
            log.exception("asynchronous invocation of %s failed to run", config.name)
            outcome = Outcome(error_payload("Runtime.Unknown", str(exc)), True, "", 0.0)
        event.attempt += 1
        if not outcome.error:
            self._send_to_destination(invoke_config, "OnSuccess", event, config, outcome, "Success")
            return
        age = time.monotonic() - event.enqueued
        if event.attempt <= retries:
            delay = RETRY_BACKOFF.delay(event.attempt)
            if age + delay <= max_age:
                event.due = time.monotonic() + delay
                with self._cond:
                    if not self._stopping:
                        heapq.heappush(self._heap, event)
                        self._cond.notify()
                return
            condition = "EventAgeExceeded"
        else:
            condition = "RetriesExhausted"
        log.warning("asynchronous invocation %s of %s failed: %s", event.request_id, config.name, condition)
        self._send_to_destination(invoke_config, "OnFailure", event, config, outcome, condition)
        self._send_to_dead_letter(event, config, outcome)

    def _send_to_dead_letter(self, event: AsyncEvent, config: FunctionConfig, outcome: Outcome) -> None:
        """The event, as-is, to the function's DeadLetterConfig target (besides any OnFailure destination)."""
        target = answers.dead_letter_target(event.fn)
        if not target:
            return
        error = _json_or_text(outcome.payload)
        message = error.get("errorMessage", "") if isinstance(error, dict) else str(error)
        try:
            self._destinations.send_dead_letter(target, event.payload.decode("utf-8", "replace"), event.request_id, message)
        except Exception:
            log.exception("sending the failed event %s of %s to its dead-letter target %s failed",
                          event.request_id, config.name, target)

    def _send_to_destination(
        self,
        invoke_config: dict[str, Any],
        which: str,
        event: AsyncEvent,
        config: FunctionConfig,
        outcome: Outcome | None,
        condition: str,
    ) -> None:
        """Deliver the invocation record to the EventInvokeConfig destination (SQS, SNS, Lambda)."""
        target = ((invoke_config.get("DestinationConfig") or {}).get(which) or {}).get("Destination")
        if not target:
            return
        record = {
            "version": "1.0",
            "timestamp": iso_now(),
            "requestContext": {
                "requestId": event.request_id,
                "functionArn": invoked_arn(config, config.version),
                "condition": condition,
                "approximateInvokeCount": event.attempt,
            },
            "requestPayload": _json_or_text(event.payload),
        }
        if outcome is not None:  # the function ran (a throttled event has no response)
            record["responseContext"] = {"statusCode": 200, "executedVersion": config.version}
            record["responsePayload"] = _json_or_text(outcome.payload)
            if outcome.error:
                record["responseContext"]["functionError"] = "Unhandled"
        try:
            self._destinations.send(target, record)
        except UnsupportedDestination as exc:
            log.warning("%s of %s: %s", which, config.name, exc)
        except Exception:
            log.exception("delivering the %s record of %s to %s failed", which, config.name, target)


def _json_or_text(payload: bytes) -> Any:
    try:
        return json.loads(payload)
    except ValueError:
        return payload.decode("utf-8", "replace")
