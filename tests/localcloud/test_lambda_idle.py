"""Warm Lambda workers idle for longer than the configured time are stopped (sandbox/localcloud/awslambda/pool.py)."""

from __future__ import annotations

from dataclasses import replace

from sandbox.aws import client
from sandbox.localcloud.awslambda.config import FunctionConfig
from sandbox.localcloud.awslambda.pool import Pool, WorkerPools
from sandbox.localcloud.server import LocalCloud
from sandbox.waiting import wait_until
from tests.localcloud.esm_helpers import Resources


class FakeWorker:
    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


CONFIG = FunctionConfig("000000000000", "us-east-1", "f", "$LATEST", "arn", "h.handler", "python3.11", "Zip",
                        3.0, 128, (), "sha", "digest", "/aws/lambda/f")


def test_only_workers_idle_past_the_idle_time_are_reaped():
    clock = Clock()
    pool = Pool(CONFIG, size=4, clock=clock)
    old, recent, busy = FakeWorker(), FakeWorker(), FakeWorker()
    for worker in (old, recent, busy):
        assert pool.acquire() is None  # a slot for a new worker
    pool.release(old, reusable=True)
    clock.now += 200
    pool.release(recent, reusable=True)
    clock.now += 150  # old: idle 350 s, recent: 150 s, busy: in use

    assert pool.reap(300) == [old]
    assert pool.idle == [recent] and pool.warm == 2
    clock.now += 150
    assert pool.reap(300) == [recent]
    assert pool.reap(300) == [] and pool.warm == 1  # the busy worker is never reaped


def test_the_pools_close_what_they_reap_and_count_it(isolated_settings, tmp_path):
    clock = Clock()
    pools = WorkerPools(replace(isolated_settings, lambda_idle_seconds=60), tmp_path, clock=clock, reaper=False)
    pool = pools.pool(CONFIG)
    worker = FakeWorker()
    pool.acquire()
    pool.release(worker, reusable=True)
    clock.now += 59
    assert pools.reap() == 0 and not worker.closed
    clock.now += 1
    assert pools.reap() == 1 and worker.closed
    assert pool.warm == 0 and pool.idle == []


def test_an_idle_worker_process_is_stopped_and_the_next_call_is_a_cold_start(isolated_settings):
    from moto.moto_api._internal.models import moto_api_backend

    settings = replace(isolated_settings, lambda_idle_seconds=0.4)
    moto_api_backend.reset()
    cloud = LocalCloud(settings).start()
    try:
        lam = client("lambda", settings)
        function = Resources(settings).function("import os\ndef handler(event, context):\n    return os.getpid()\n")
        first = lam.invoke(FunctionName=function, Payload=b"{}")["Payload"].read()

        def warm() -> int:
            return next(r["warm_workers"] for r in cloud.runtime.extensions["lambda"].describe() if r["function"] == function)

        wait_until(lambda: warm() == 0, timeout=5, message="the idle worker to be stopped")
        second = lam.invoke(FunctionName=function, Payload=b"{}")["Payload"].read()
        [row] = [r for r in cloud.runtime.extensions["lambda"].describe() if r["function"] == function]
        assert second != first and row["cold_starts"] == 2
    finally:
        cloud.stop()
        moto_api_backend.reset()
