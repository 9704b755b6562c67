"""Pipeline 3 end to end on the embedded stack: orders → Spark job → OrderRateAlarms →
TransactionRateAlarm → SNS → the SQS inbox. A burst gives one message, a trickle none, and a job
killed mid-surge (restarted by the supervisor from its checkpoint) still raises exactly one alarm."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from generators import orders as generator
from pipelines.rate_alarm import app as alarm_app
from pipelines.rate_alarm.demo import quiet_period_left, sync
from sandbox.settings import subprocess_env
from sandbox.waiting import wait_until
from tests.reliability import procs

pytestmark = [pytest.mark.slow, pytest.mark.stack]


def _job(stack) -> dict:
    return alarm_app.job_state(stack)


def _running(stack) -> dict | None:
    job = _job(stack)
    assert job["state"] != "failed" or job.get("restarts", 0) > 0, job  # failed without a restart: a bug
    return job if job["state"] == "running" else None


def _batch_after(stack, since: float) -> bool:
    last = _job(stack).get("last_batch_at")
    return bool(last) and dt.datetime.fromisoformat(last.replace("Z", "+00:00")).timestamp() >= since


@pytest.fixture
def quiet(stack):
    """The job runs, no alarm's quiet time is pending (earlier tests replay surges), the inbox is empty."""
    wait_until(lambda: _running(stack), timeout=180, interval=0.5, message="the rate alarm job to run")
    synced = time.time()
    sync(stack)  # the job has counted what earlier tests sent (and the marker record, one arrival)

    def clear() -> bool:  # no alarm's quiet time pending, and the marker out of any window to come
        return quiet_period_left(stack) == 0 and time.time() > synced + stack.alarm.window_seconds + 1

    wait_until(clear, timeout=quiet_period_left(stack) + stack.alarm.window_seconds + 10, interval=0.5,
               message="the quiet time to end")
    _messages(stack, settle=2.0)  # alarms of earlier surges still on their way are not this test's
    return stack


def _messages(stack, settle: float = 3.0) -> list[dict]:
    return alarm_app.drain_inbox(stack, settle)


def _send(stack, count: int, seed: int, **pace) -> float:
    generator.replay(stack, count=count, synthetic=True, seed=seed, progress=False, **pace)
    return time.time()


def test_the_job_and_its_jvm_listen_on_loopback_only(quiet):
    listening = procs.listeners(procs.descendants(_job(quiet)["pid"]))
    assert listening and all(listener.loopback for listener in listening), listening


def test_a_trickle_below_the_threshold_raises_nothing(quiet):
    # nine orders in 4.5 s: one window holds all nine, one short of the threshold
    sent = _send(quiet, 9, seed=31, rate=2.0)
    wait_until(lambda: _batch_after(quiet, sent), timeout=30, interval=0.2, message="the job to count the trickle")
    assert _messages(quiet) == []


def test_a_burst_raises_one_message_in_the_inbox(quiet):
    generator.replay(quiet, burst=30, synthetic=True, seed=32, progress=False)
    messages = wait_until(lambda: alarm_app.take_inbox(quiet, wait_seconds=1), timeout=60, interval=0.1,
                          message="the alarm in the SQS inbox")
    messages += _messages(quiet)
    assert len(messages) == 1
    assert messages[0]["subject"] == "Cadabra Order Rate Alarm"
    newest = alarm_app.recent_alarms(quiet, limit=1)[0]
    assert newest.alarm_id in messages[0]["message"] and "threshold 10" in messages[0]["message"]
    # the count when the alarm fired: the orders read so far (a shard's records may come a batch
    # later) plus any sent just before (the trickle test's)
    assert newest.order_count >= 10 and f"{newest.order_count} orders" in messages[0]["message"]
    with urllib.request.urlopen(quiet.console_url + "/api/alarms", timeout=10) as answer:
        api = json.loads(answer.read())
    assert api["alarms"][0]["alarm_id"] == newest.alarm_id and api["job"]["state"] == "running"
    assert max(count for _, count in api["job"]["series"]) >= newest.order_count
    with urllib.request.urlopen(quiet.console_url + "/alarms", timeout=10) as answer:
        page = answer.read().decode()
    assert 'id="rate-chart"' in page and 'data-poll="/api/alarms"' in page and "10 orders or more" in page
    shown = subprocess.run([sys.executable, "-m", "sandbox.cli", "alarms", "--json"], env=subprocess_env(quiet),
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    document = json.loads(shown.stdout)
    assert document["alarms"][0]["alarm_id"] == newest.alarm_id and document["job"]["state"] == "running"


def _kill_job(stack) -> int:
    pid = _job(stack)["pid"]
    os.killpg(pid, signal.SIGKILL)  # the driver and its JVM, as an OOM killer or a crash would
    return pid


def test_the_job_killed_mid_surge_raises_the_alarm_once(quiet):
    restarts = _job(quiet)["restarts"]
    sent = _send(quiet, 6, seed=33)  # the surge's first orders: below the threshold so far
    wait_until(lambda: _batch_after(quiet, sent), timeout=30, interval=0.1, message="the job to count them")
    killed = _kill_job(quiet)
    _send(quiet, 10, seed=34)  # the rest of the surge arrives while the job is down
    wait_until(lambda: (_running(quiet) or {}).get("pid") not in (None, killed), timeout=180, interval=0.5,
               message="the supervisor to restart the job")
    first = wait_until(lambda: alarm_app.take_inbox(quiet, wait_seconds=1), timeout=120, interval=0.2,
                       message="the surge's alarm after the restart")
    assert len(first) == 1 and alarm_app.recent_alarms(quiet, limit=1)[0].order_count >= 10

    # a new surge, the job killed right after raising its alarm: restarted, it keeps the surge's
    # suppression (event time: the orders sent just after the kill are seconds after the alarm's window)
    wait_until(lambda: quiet_period_left(quiet) == 0, timeout=quiet_period_left(quiet) + 10, interval=0.5,
               message="the first surge's quiet time to end")
    raised = _job(quiet).get("alarms_raised", 0)
    _send(quiet, 12, seed=35)
    wait_until(lambda: _job(quiet).get("alarms_raised", 0) > raised, timeout=60, interval=0.05,
               message="the second surge's alarm")
    killed = _kill_job(quiet)
    _send(quiet, 20, seed=36)
    wait_until(lambda: (_running(quiet) or {}).get("pid") not in (None, killed), timeout=180, interval=0.5,
               message="the supervisor to restart the job again")
    wait_until(lambda: _job(quiet).get("batches", 0) >= 1, timeout=120, interval=0.2,
               message="the restarted job to read the rest")
    second = _messages(quiet)
    assert len(second) == 1, second  # the alarm raised before the kill, and none for the rest of the surge
    assert _job(quiet)["restarts"] >= restarts + 2
