"""Buffers per delivery stream and the one flusher thread that transforms and delivers them.

https://docs.aws.amazon.com/firehose/latest/dev/basic-deliver.html: accepted records wait in a
buffer until its size or interval hint is reached, then (optionally) pass through the Lambda
processor (its own buffer hints) and go to the destination. Delivery stream configuration stays in
moto: the engine re-reads it whenever the stream's version changes, so UpdateDestination takes
effect on the next flush; records of a deleted stream are flushed with its last configuration.
Every accepted record ends delivered, dropped by the transform, or in the error location;
`stop()` flushes everything (retries get one last attempt, then their error location).

Within a flush the Lambda processor works on batch n+1 while batch n is delivered, as Firehose's
stages run concurrently, so neither the function nor the destination waits for the other.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Protocol

from sandbox.backoff import Backoff
from sandbox.localcloud.firehose import destinations, transform
from sandbox.localcloud.firehose.destinations import DeliveryContext, Destination, ErrorBatch
from sandbox.localcloud.firehose.destinations.base import StreamIdentity
from sandbox.localcloud.firehose.records import Buffer, Record, new_record_id
from sandbox.localcloud.firehose.sources import KinesisSource
from sandbox.localcloud.firehose.store import MotoS3Store, ObjectStore
from sandbox.settings import Settings

log = logging.getLogger(__name__)

TICK_SECONDS = 0.2
RETRY_BACKOFF = Backoff(first=0.5, cap=30.0)  # between delivery attempts of one batch


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class StreamCatalog(Protocol):
    """Where delivery stream configurations live (moto's Firehose backends)."""

    def streams(self) -> Iterable[tuple[str, str, Any]]:
        """(account_id, region, DeliveryStream model) for every delivery stream."""
        ...


@dataclass
class Pending:
    records: list[Record]
    first_attempt: float
    attempts: int = 0
    next_attempt: float = 0.0


@dataclass
class StreamState:
    """One delivery stream's buffers, retry queue, source checkpoints and counters."""

    account_id: str
    region: str
    name: str
    model: Any
    version: str
    kind: str
    destination: Destination
    processor: transform.LambdaProcessor | None
    identity: StreamIdentity
    source: KinesisSource | None
    incoming: Buffer = field(default_factory=Buffer)  # waiting for the Lambda processor
    outgoing: Buffer = field(default_factory=Buffer)  # waiting for the destination
    pending: list[Pending] = field(default_factory=list)
    pending_errors: list[tuple[ErrorBatch, float]] = field(default_factory=list)
    delivered: int = 0
    failed: int = 0
    dropped: int = 0
    last_delivery: datetime | None = None
    last_error: str | None = None

    @property
    def buffered_records(self) -> int:
        return self.incoming.count + self.outgoing.count + sum(len(p.records) for p in self.pending)

    @property
    def buffered_bytes(self) -> int:
        return self.incoming.bytes + self.outgoing.bytes + sum(r.size for p in self.pending for r in p.records)


def _configure(account_id: str, region: str, model: Any) -> dict[str, Any] | None:
    """The engine's view of a moto DeliveryStream, or None for destinations moto keeps handling."""
    entry = model.destinations[0]
    for kind in destinations.DESTINATIONS:
        if kind in entry:
            raw = entry[kind]
            break
    else:
        return None
    identity = StreamIdentity(
        model.delivery_stream_name, model.delivery_stream_arn, str(model.version_id), region, account_id
    )
    return {
        "version": str(model.version_id),
        "kind": kind,
        "destination": destinations.build(entry),
        "processor": transform.LambdaProcessor.from_config(raw.get("ProcessingConfiguration")),
        "identity": identity,
    }


class _InFlight:
    """One Lambda transform running on its own thread; `result()` waits for it (and re-raises its error)."""

    def __init__(self, work: Callable[[], transform.TransformResult]) -> None:
        self._work = work
        self._result: transform.TransformResult | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="firehose-transform", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._result = self._work()
        except BaseException as exc:  # handed to the flusher, which reports it as before
            self._error = exc

    def result(self) -> transform.TransformResult:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result


class FirehoseEngine:
    """Accepts records for delivery streams and delivers them from one background thread."""

    def __init__(
        self,
        settings: Settings,
        catalog: StreamCatalog,
        invoke: transform.Invoke,
        *,
        clock: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        store_factory: Callable[[str], ObjectStore] = MotoS3Store,
        tick_seconds: float = TICK_SECONDS,
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.invoke = invoke
        self.clock = clock
        self.monotonic = monotonic
        self.store_factory = store_factory
        self.tick_seconds = tick_seconds
        self._states: dict[tuple[str, str, str], StreamState] = {}
        self._retired: list[StreamState] = []  # deleted or replaced streams still holding records
        self._lock = threading.RLock()  # guards _states and _retired (held briefly, never while delivering)
        self._flush_lock = threading.Lock()  # one flush pass at a time
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="firehose-flusher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the flusher and deliver everything still buffered."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
            self._thread = None
        self.tick(force=True, final=True)

    def reset(self) -> None:
        """Drop every buffer and counter (moto's reset: the delivery streams and buckets are gone)."""
        with self._flush_lock, self._lock:
            self._states.clear()
            self._retired.clear()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.tick_seconds)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self.tick()
            except Exception:  # keep delivering other streams; the error is in the log
                log.exception("firehose flusher tick failed")

    # -- intake ---------------------------------------------------------------------------------
    def accept(self, account_id: str, region: str, model: Any, payloads: list[bytes]) -> list[str] | None:
        """Buffer DirectPut records; their RecordIds, or None when moto should handle this destination."""
        state = self._state(account_id, region, model)
        if state is None:
            return None
        now, arrival = self.monotonic(), self.clock()
        records = [Record(new_record_id(), data, arrival, accepted=now) for data in payloads]
        self._ingest(state, records)
        return [record.record_id for record in records]

    def _ingest(self, state: StreamState, records: list[Record]) -> None:
        if state.processor is not None:
            if state.incoming.add(records) >= state.processor.buffering.size_bytes:
                self._wake.set()
        elif state.outgoing.add(records) >= state.destination.buffering.size_bytes:
            self._wake.set()

    def _state(self, account_id: str, region: str, model: Any) -> StreamState | None:
        key = (account_id, region, model.delivery_stream_name)
        state = self._states.get(key)
        if state is not None and state.model is model and state.version == str(model.version_id):
            return state
        with self._lock:
            state = self._states.get(key)
            config = _configure(account_id, region, model)
            if config is None:
                return None
            if state is not None and state.model is model:
                for name, value in config.items():  # UpdateDestination: same buffers, new configuration
                    setattr(state, name, value)
                return state
            if state is not None:  # deleted and created again under the same name
                self._retired.append(state)
            source = None
            if model.delivery_stream_type == "KinesisStreamAsSource" and model.source:
                source = KinesisSource(model.source["KinesisStreamARN"], model.create_timestamp)
            state = StreamState(account_id, region, model.delivery_stream_name, model, source=source, **config)
            self._states[key] = state
            return state

    # -- the flusher ----------------------------------------------------------------------------
    def tick(self, *, force: bool = False, final: bool = False) -> None:
        """One pass: discover streams, poll sources, flush what is due.

        `force` flushes every buffer regardless of its hints; `final` (shutdown) also gives up
        retrying, sending what still fails to the error location.
        """
        with self._flush_lock:
            live = set()
            for account_id, region, model in list(self.catalog.streams()):
                key = (account_id, region, model.delivery_stream_name)
                try:
                    if self._state(account_id, region, model) is not None:
                        live.add(key)
                except Exception:  # a configuration the engine cannot read: keep what it had
                    log.exception("cannot read the configuration of delivery stream %s", key[2])
                    if key in self._states:
                        live.add(key)
            with self._lock:
                for key in [key for key in self._states if key not in live]:
                    self._retired.append(self._states.pop(key))
                retired, self._retired = self._retired, []
                states = list(self._states.values())
            now = self.monotonic()
            for state, state_force, state_final in [(s, True, True) for s in retired] + [
                (s, force, final) for s in states
            ]:  # deleted streams first: delivered with their last configuration
                try:
                    self._flush_state(state, now, force=state_force, final=state_final)
                except Exception as exc:  # one broken stream must not stop the others
                    state.last_error = repr(exc)
                    log.exception("flushing delivery stream %s failed", state.name)

    def _flush_state(self, state: StreamState, now: float, *, force: bool, final: bool) -> None:
        if state.source is not None:
            try:
                records = state.source.poll(now)
            except RuntimeError:  # a shard changed while being read: read again next tick
                records = []
            if records:
                self._ingest(state, records)
        ctx = DeliveryContext(state.identity, self.store_factory(state.account_id), self.settings, self.clock)
        # The two stages overlap: while the Lambda processor transforms the next batch (on its own
        # thread; the function runs in its worker process), this thread delivers what is already
        # transformed. Taking turns would leave the destination idle during every invocation.
        # A pass can last many seconds under load: buffer ages are judged on the clock of each step.
        while True:
            running = self._start_transform(state, ctx, now, force)
            try:
                while state.outgoing.due(state.destination.buffering, now) or (force and state.outgoing.count):
                    batch = state.outgoing.take(state.destination.buffering.size_bytes)
                    self._attempt(state, Pending(batch, first_attempt=now), ctx, now, final=final)
                    now = self.monotonic()
            finally:  # whatever delivery did, the transformed batch is kept
                if running is not None:
                    self._finish_transform(state, running, ctx, now, final=final)
            if running is None:
                break
            now = self.monotonic()
        for pending in list(state.pending):
            if force or pending.next_attempt <= now:
                state.pending.remove(pending)
                self._attempt(state, pending, ctx, now, final=final)
        for batch, due in list(state.pending_errors):
            if force or due <= now:
                state.pending_errors.remove((batch, due))
                self._write_errors(state, batch, ctx, now, final=final)

    def _start_transform(self, state: StreamState, ctx: DeliveryContext, now: float, force: bool) -> _InFlight | None:
        """Take the next due batch for the Lambda processor and start transforming it; None when none is due."""
        processor = state.processor
        if processor is None:
            if state.incoming.count:  # processing was switched off: pass records on as they are
                state.outgoing.add(state.incoming.take())
            return None
        if not (state.incoming.due(processor.buffering, now) or (force and state.incoming.count)):
            return None
        batch = state.incoming.take(min(processor.buffering.size_bytes, transform.MAX_PAYLOAD_BYTES))
        backup = getattr(state.destination, "source_backup", None)
        if backup is not None:
            try:
                backup.write(batch, ctx)
            except Exception:
                log.exception("source record backup of %s failed", state.name)
        source_arn = state.source.stream_arn if state.source else None
        return _InFlight(
            lambda: transform.run(
                processor,
                batch,
                invoke=self.invoke,
                stream_arn=state.identity.arn,
                region=state.region,
                clock=self.clock,
                source_arn=source_arn,
            )
        )

    def _finish_transform(
        self, state: StreamState, running: _InFlight, ctx: DeliveryContext, now: float, *, final: bool
    ) -> None:
        result = running.result()
        state.dropped += result.dropped
        state.outgoing.add(result.ok)
        if result.failed is not None:
            state.failed += len(result.failed.records)
            processor = state.processor
            arn = processor.lambda_arn if processor else "the Lambda processor"
            state.last_error = f"{len(result.failed.records)} records failed processing by {arn}"
            self._write_errors(state, result.failed, ctx, now, final=final)

    def _attempt(self, state: StreamState, pending: Pending, ctx: DeliveryContext, now: float, *, final: bool) -> None:
        pending.attempts += 1
        give_up = final or now - pending.first_attempt >= state.destination.retry_seconds
        try:
            outcome = state.destination.deliver(pending.records, ctx, attempts=pending.attempts, give_up=give_up)
        except Exception as exc:  # a bug or bad configuration: keep the records and say why
            log.exception("delivery of %s failed", state.name)
            outcome = destinations.Outcome(retry=pending.records, error=repr(exc))
            if give_up:
                outcome = destinations.Outcome(failed=len(pending.records), error=repr(exc))
        state.delivered += outcome.delivered
        state.failed += outcome.failed
        if outcome.delivered:
            state.last_delivery = self.clock()
        if outcome.error:
            state.last_error = outcome.error
        for batch in outcome.errors:
            self._write_errors(state, batch, ctx, now, final=final)
        if outcome.retry:
            pending.records = outcome.retry
            pending.next_attempt = now + RETRY_BACKOFF.delay(pending.attempts)
            state.pending.append(pending)

    def _write_errors(self, state: StreamState, batch: ErrorBatch, ctx: DeliveryContext, now: float, *, final: bool) -> None:
        try:
            state.destination.write_failed(batch.records, batch.error_type, batch.documents, ctx)
        except Exception as exc:
            state.last_error = f"writing {len(batch.records)} {batch.error_type} records failed: {exc!r}"
            if final:
                log.error("%s of %s: they are lost", state.last_error, state.name)
            else:
                state.pending_errors.append((batch, now + 1.0))

    # -- reporting ------------------------------------------------------------------------------
    def flush(self) -> None:
        """Deliver everything buffered now (for tests and `cadabra firehose flush`)."""
        self.tick(force=True)

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            states = list(self._states.values()) + list(self._retired)
        return [
            {
                "name": state.name,
                "account_id": state.account_id,
                "region": state.region,
                "source": state.model.delivery_stream_type,
                "source_stream": state.source.stream_arn if state.source else None,
                "destination": destinations.DISPLAY_NAMES.get(state.kind, state.kind),
                "transform": state.processor.lambda_arn if state.processor else None,
                "buffered_records": state.buffered_records,
                "buffered_bytes": state.buffered_bytes,
                "last_delivery": state.last_delivery.isoformat() if state.last_delivery else None,
                "delivered_records": state.delivered,
                "failed_records": state.failed,
                "dropped_records": state.dropped,
                "last_error": state.last_error,
            }
            for state in sorted(states, key=lambda s: (s.account_id, s.region, s.name))
        ]
