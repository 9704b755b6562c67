"""Pipeline 3's step in `make demo`: a trickle below the threshold raises nothing, a burst of 30
orders raises exactly one alarm, shown with its latency (PutRecords to the SQS inbox).

Pipeline 1's demo replays 3,000 lines at full speed just before: that is a surge too, and raises
an alarm. So this step first waits until the quiet time after the last alarm has passed (saying
so), then runs the trickle and the burst, and shows each result.
"""

from __future__ import annotations

import datetime as dt
import time

from rich.console import Console

from sandbox.settings import Settings
from sandbox.waiting import wait_until

DEMO_ORDER = 10  # first: any replay at full speed is a surge (see sandbox/demo.py)
TRICKLE_RATE, TRICKLE_SECONDS, BURST = 0.5, 20, 30


def _job_running(settings: Settings) -> dict | None:
    from pipelines.rate_alarm import app as alarm_app

    job = alarm_app.job_state(settings)
    if job.get("state") == "failed":
        raise RuntimeError(f"the rate alarm job failed: {job.get('error')}; see {settings.log_dir}/order_rate_alarm.log")
    return job if job.get("state") == "running" else None


def caught_up(settings: Settings, since: float) -> bool:
    """The job has counted a record that arrived at or after `since` (so everything before it too)."""
    from pipelines.rate_alarm import app as alarm_app

    last = alarm_app.job_state(settings).get("last_arrival_at")
    return bool(last) and dt.datetime.fromisoformat(last.replace("Z", "+00:00")).timestamp() >= since


def sync(settings: Settings) -> None:
    """Put one marker record and wait until the job has counted it: then it has read what came before
    (pipeline 1's replay, for one). The marker counts as one arrival, like any record."""
    from sandbox import aws

    before = time.time()
    # newline-ended like every producer's record: Firehose PurchaseLogs copies it into the NDJSON lake
    aws.client("kinesis", settings).put_record(StreamName=settings.names.orders_stream, Data=b'{"marker": "demo"}\n',
                                               PartitionKey="demo-marker")
    wait_until(lambda: caught_up(settings, before), timeout=120, interval=0.2, message="the job to catch up")


def quiet_period_left(settings: Settings) -> float:
    """Seconds until a new surge can raise an alarm (0 when the last alarm is older than the quiet time)."""
    from pipelines.rate_alarm import app as alarm_app

    job = alarm_app.job_state(settings)
    last = (job.get("last_alarm") or {}).get("window_end")
    if not last:
        return 0.0
    ends = dt.datetime.fromisoformat(last.replace("Z", "+00:00")).timestamp() + settings.alarm.suppress_seconds
    return max(0.0, ends - time.time())


def run(settings: Settings, console: Console) -> None:
    from generators import orders as generator
    from pipelines.rate_alarm import app as alarm_app

    console.print("waiting for the Spark stream job (it starts in the background with the stack)...")
    wait_until(lambda: _job_running(settings), timeout=180, interval=1.0, message="the rate alarm job to run")
    sync(settings)
    earlier = alarm_app.drain_inbox(settings)  # alarms of earlier surges (pipeline 1's replay) still on their way
    if earlier:
        console.print(f"the orders replayed before were a surge: {len(earlier)} alarm(s) in the inbox")
    left = quiet_period_left(settings)
    if left > 0:
        console.print(f"alarms stay quiet for {settings.alarm.suppress_seconds} s after one: waiting {left:.0f} s")
        wait_until(lambda: quiet_period_left(settings) == 0, timeout=left + 5, interval=1.0, message="the quiet time")

    console.print(f"trickle: {TRICKLE_RATE} orders/s for {TRICKLE_SECONDS} s (below {settings.alarm.threshold} per "
                  f"{settings.alarm.window_seconds} s)")
    generator.replay(settings, count=int(TRICKLE_RATE * TRICKLE_SECONDS), rate=TRICKLE_RATE, synthetic=True, seed=3,
                     progress=False)
    sync(settings)
    quiet = alarm_app.drain_inbox(settings)
    console.print(f"  alarms raised by the trickle: {len(quiet)}")
    if quiet:
        raise RuntimeError(f"the trickle below the threshold raised {len(quiet)} alarm(s): {quiet[0]['message']}")

    console.print(f"burst: `cadabra replay orders --burst {BURST}`")
    started = time.time()
    generator.replay(settings, burst=BURST, synthetic=True, seed=4, progress=False)
    messages = wait_until(lambda: alarm_app.take_inbox(settings, wait_seconds=1), timeout=60, interval=0.1,
                          message="the alarm in the SQS inbox")
    latency = messages[0]["received_at"] - started
    console.print(f"  {len(messages)} alarm in SQS {settings.names.alarms_inbox} {latency:.2f} s after the burst's "
                  f"first PutRecords:", highlight=False)
    console.print(f"  [bold]{messages[0]['subject']}[/]: {messages[0]['message']}", highlight=False)
    console.print(f"alarms: `cadabra alarms`, {settings.console_url}/alarms; SMS and email copies: `cadabra inbox`",
                  highlight=False)
