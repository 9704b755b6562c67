"""Pipeline 3 latency: PutRecords of a burst → alarm message in the SQS inbox, over 20 bursts.

Goal (issue 9): p50 <= 1.5 s and max <= 3 s. Also the job's memory (RSS of the job's process tree:
the Python driver, the JVM, Python workers) and the embedded stack's total idle memory with the job
running (goal <= 2.5 GB). Runs a private embedded stack whose quiet time after an alarm is 10 s (the
product's default is 60 s), so that bursts 13 s apart each raise one alarm.

    python -m tests.bench.run [--quick] rate_alarm     (--quick: 5 bursts)
    python -m tests.bench.bench_rate_alarm [--quick] [--bursts N]

Memory is measured as the soak measures it (tests/reliability/procs.py): PSS summed over the process
tree, PostgreSQL included, shared pages counted once.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from generators import orders as generator
from pipelines.rate_alarm import app as alarm_app
from sandbox.waiting import wait_until
from tests.bench import report
from tests.bench._stack import private_stack
from tests.reliability import procs

BURSTS, QUICK_BURSTS = 20, 5
BURST_SIZE = 30
GAP_SECONDS = 13.0
GOAL_P50, GOAL_MAX, GOAL_IDLE_GB = 1.5, 3.0, 2.5


def _raised_at(message: str) -> float:
    """The job's `raised_at` from the notification text (when the job built the alarm record)."""
    import datetime as dt
    import re

    found = re.search(r"Raised at (\S+?)\.?$", message.strip())
    return dt.datetime.fromisoformat(found.group(1).rstrip(".").replace("Z", "+00:00")).timestamp() if found else float("nan")


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_BURSTS} bursts")
    parser.add_argument("--bursts", type=int, default=None, help=f"bursts to time (default {BURSTS})")
    args = parser.parse_args()
    bursts = args.bursts or (QUICK_BURSTS if args.quick or report.quick() else BURSTS)
    with private_stack(CADABRA_ALARM_SUPPRESS_SECONDS="10") as settings:
        print("waiting for the stream job to run ...", flush=True)
        started = time.time()
        wait_until(lambda: alarm_app.job_state(settings).get("state") == "running", timeout=180, interval=0.5,
                   message="the rate alarm job")
        print(f"job running {time.time() - started:.1f}s after `cadabra up` returned", flush=True)
        generator.replay(settings, burst=BURST_SIZE, synthetic=True, seed=99, progress=False)  # warm-up surge
        wait_until(lambda: alarm_app.take_inbox(settings, wait_seconds=1), timeout=60, interval=0.1, message="warm-up alarm")
        latencies, extra, stages = [], 0, []
        next_at = time.time() + GAP_SECONDS
        for i in range(bursts):
            time.sleep(max(0.0, next_at - time.time()))
            next_at = time.time() + GAP_SECONDS
            extra += len(alarm_app.take_inbox(settings))
            sent = time.time()
            generator.replay(settings, burst=BURST_SIZE, synthetic=True, seed=i, progress=False)
            messages = wait_until(lambda: alarm_app.take_inbox(settings, wait_seconds=0), timeout=30, interval=0.02,
                                  message=f"alarm of burst {i + 1}")
            latencies.append(messages[0]["received_at"] - sent)
            extra += len(messages) - 1
            raised = _raised_at(messages[0]["message"]) - sent
            stages.append((raised, messages[0]["sent_at"] - sent))
            print(f"burst {i + 1:2}: {latencies[-1]:.2f} s (alarm record built by the job at +{raised:.2f} s, "
                  f"SNS→SQS at +{stages[-1][1]:.2f} s)", flush=True)
        time.sleep(3)
        extra += len(alarm_app.take_inbox(settings, wait_seconds=1))
        job = alarm_app.job_state(settings)
        job_rss = procs.memory_bytes(procs.descendants(job["pid"])) if job.get("pid") else 0
        time.sleep(5)  # idle
        stack_rss = procs.memory_bytes(procs.stack_tree(settings))
    p50, worst = statistics.median(latencies), max(latencies)
    print(f"\nalarm latency over {len(latencies)} bursts of {BURST_SIZE}: p50 {p50:.2f} s (goal <= {GOAL_P50}), "
          f"p90 {statistics.quantiles(latencies, n=10)[-1]:.2f} s, max {worst:.2f} s (goal <= {GOAL_MAX}); "
          f"ratio p50/goal {p50 / GOAL_P50:.2f}, max/goal {worst / GOAL_MAX:.2f}")
    print(f"extra alarm messages beyond one per burst: {extra}")
    print(f"stages (median): job built the alarm at +{statistics.median(r for r, _ in stages):.2f} s, "
          f"SQS got it at +{statistics.median(q for _, q in stages):.2f} s")
    print(f"job memory (driver + JVM + workers, PSS): {job_rss / 2**20:.0f} MiB; stack idle total with the job: "
          f"{stack_rss / 2**30:.2f} GiB (goal <= {GOAL_IDLE_GB}, ratio {stack_rss / 2**30 / GOAL_IDLE_GB:.2f})")
    print(_load())
    report.row("alarm latency p50", p50, "s", goal=GOAL_P50, lower_is_better=True, note=f"{len(latencies)} bursts")
    report.row("alarm latency max", worst, "s", goal=GOAL_MAX, lower_is_better=True)
    report.row("extra alarms beyond one per burst", extra, "msgs", goal=0, lower_is_better=True)
    report.row("stream job memory (PSS)", job_rss / 2**20, "MiB")
    report.row("stack idle memory with the job (PSS)", stack_rss / 2**30, "GiB", goal=GOAL_IDLE_GB, lower_is_better=True)
    return report.exit_code()


if __name__ == "__main__":
    raise SystemExit(main())
