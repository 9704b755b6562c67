"""Keep the running pollers in step with moto's mapping store, whoever changed it.

Every RECONCILE_S (and at once after a CreateEventSourceMapping) the controller diffs moto's
mappings against its runners: it starts pollers for enabled mappings, stops those of disabled or
deleted ones, and starts pollers for shards that appeared since (resharding). It also answers the
State/LastProcessingResult that moto reports. A mapping whose pollers cannot start (its source
does not exist, or was deleted) reports ``LastProcessingResult: PROBLEM: <why>`` and is retried
every pass; the stack's log warns once per change of problem, not once per pass.
https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

from sandbox.localcloud.esm import factory, hooks
from sandbox.localcloud.esm.factory import Runner, Shared
from sandbox.localcloud.esm.model import MappingState, MappingStatus, ProcessingResult

log = logging.getLogger(__name__)

RECONCILE_S = 0.5
CREATE_SETTLE_S = 0.05  # CreateEventSourceMapping answers "Creating" before the pollers start
JOIN_S = 5.0


class MappingController:
    def __init__(self, shared: Shared, mappings: Callable[[], list[Any]] = hooks.all_mappings) -> None:
        self._shared = shared
        self._mappings = mappings
        self._lock = threading.RLock()
        self._statuses: dict[str, MappingStatus] = {}
        self._runners: dict[str, Runner] = {}
        self._stopping: dict[str, Runner] = {}
        self._esms: dict[str, Any] = {}
        self._started: set[str] = set()
        self._created_at: dict[str, float] = {}
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="esm-reconciler", daemon=True)

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(JOIN_S)
        self._stop_runners()

    def reset(self) -> None:
        """moto's mappings are gone (moto's reset): stop every poller and forget checkpoints and counters."""
        self._stop_runners()
        with self._lock:
            self._statuses.clear()
            self._esms.clear()
            self._started.clear()
            self._created_at.clear()

    def _stop_runners(self) -> None:
        with self._lock:
            runners = list(self._runners.values()) + list(self._stopping.values())
            self._runners.clear()
            self._stopping.clear()
        for runner in runners:
            runner.stop()
        for runner in runners:
            runner.join(JOIN_S)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.reconcile()
            except Exception:
                log.exception("reconciling event source mappings failed")
            if self._wake.wait(RECONCILE_S):
                self._wake.clear()
                self._stop.wait(CREATE_SETTLE_S)

    # -- the diff ----------------------------------------------------------------------------------
    def reconcile(self) -> None:
        """One pass: make the runners match moto's store."""
        current = {esm.uuid: esm for esm in self._mappings()}
        with self._lock:
            self._esms = current
            for uuid, runner in list(self._runners.items()):
                esm = current.get(uuid)
                if esm is None or not esm.enabled:
                    runner.stop()
                    self._stopping[uuid] = self._runners.pop(uuid)
            for uuid, runner in list(self._stopping.items()):
                if not runner.alive():
                    del self._stopping[uuid]
            for uuid in list(self._statuses):
                if uuid not in current and uuid not in self._stopping:
                    del self._statuses[uuid]
                    self._started.discard(uuid)
                    self._created_at.pop(uuid, None)
            for uuid, esm in current.items():
                if self._stop.is_set():
                    return
                status = self._statuses.setdefault(uuid, MappingStatus(uuid))
                runner = self._runners.get(uuid)
                if runner is not None and not runner.alive():  # its source was deleted: start over
                    del self._runners[uuid]
                    runner = None
                try:
                    if runner is not None:
                        runner.refresh()
                    elif esm.enabled and uuid not in self._stopping and not self._settling(uuid):
                        if not status.checkpoints:
                            factory.seed_positions(esm, status)
                        self._runners[uuid] = factory.create_runner(esm, status, self._shared)
                        self._started.add(uuid)
                        if status.clear_problem():
                            log.warning("mapping %s polls %s again", uuid, esm.event_source_arn)
                except Exception as exc:  # e.g. the stream does not exist (any more): try again next pass
                    if runner is not None:  # its source is gone: stop polling it, start afresh later
                        runner.stop()
                        self._stopping[uuid] = self._runners.pop(uuid)
                    if status.note_problem(f"PROBLEM: {exc}"):
                        log.warning("mapping %s cannot poll %s: %s", uuid, esm.event_source_arn, exc)

    # -- what moto reports -------------------------------------------------------------------------
    def on_created(self, esm: Any) -> None:
        """Called inside CreateEventSourceMapping: fix start positions now, start pollers soon."""
        with self._lock:
            status = self._statuses.setdefault(esm.uuid, MappingStatus(esm.uuid))
            try:
                factory.seed_positions(esm, status)
            except Exception as exc:
                log.debug("mapping %s: starting positions not fixed yet: %s", esm.uuid, exc)
            self._created_at[esm.uuid] = time.monotonic()
        self._wake.set()

    def _settling(self, uuid: str) -> bool:
        created = self._created_at.get(uuid)
        if created is None:
            return False
        if time.monotonic() - created < CREATE_SETTLE_S:
            return True
        del self._created_at[uuid]
        return False

    def overlay(self, esm: Any) -> dict[str, Any]:
        """State and LastProcessingResult of `esm`, from desired (moto's Enabled) vs running pollers."""
        with self._lock:
            status = self._statuses.get(esm.uuid)
            running = esm.uuid in self._runners
            stopping = esm.uuid in self._stopping
            started_before = esm.uuid in self._started
        if esm.enabled:
            waiting = MappingState.ENABLING if started_before else MappingState.CREATING
            state = MappingState.ENABLED if running else waiting
        else:
            state = MappingState.DISABLING if running or stopping else MappingState.DISABLED
        result = status.last_processing_result if status else ProcessingResult.NO_RECORDS.value
        return {"State": state.value, "LastProcessingResult": result}

    def describe(self) -> list[dict[str, Any]]:
        """One row per mapping, with per-shard pollers (feeds `cadabra esm list`)."""
        with self._lock:
            esms = dict(self._esms)
        rows = []
        for uuid, esm in esms.items():
            overlay = self.overlay(esm)
            status = self._statuses.get(uuid)
            shards = [stats.row() for stats in list(status.shards.values())] if status else []
            rows.append(
                {
                    "uuid": uuid,
                    "function": esm.function_arn,
                    "source": esm.event_source_arn,
                    "state": overlay["State"],
                    "last_result": overlay["LastProcessingResult"],
                    "batch_size": esm.batch_size,
                    "shards": shards,
                }
            )
        return rows
