"""Soak: pipeline 1 at a steady 1,000 orders/s for 10 minutes, with the stack's memory sampled.

Runs tests/reliability/soak.py (the same code as the 60 s test) on a private embedded stack: the
producer replays 30 s worth of distinct order lines pass after pass, each pass stamped, so the table
stays the same size; at the end it must equal the last pass exactly and the DLQ must be empty.
Memory is what the stack's processes hold (the PSS of their anonymous and shared memory:
supervisor, osmem-server, PostgreSQL, Lambda workers) without pipeline 3's stream job, whose JVM
and Python workers grow to their configured bounds and shrink again (reported per component
beside), from the first samples after the first pass to the end.

Goals (issue 13): memory growth under 10 %, nothing lost, and the rate held (the producer keeps up:
the ceiling row is the rate asked for). `--quick`: 2 minutes at 500 orders/s.

Run: .venv/bin/python -m tests.bench.bench_soak [--quick] [--rate 1000] [--seconds 600]
"""

from __future__ import annotations

import argparse

from tests.bench import report
from tests.bench._stack import private_stack
from tests.reliability.soak import run_soak

GOAL_GROWTH = 0.10


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--quick", action="store_true", help="120 s at 500 orders/s")
    args = parser.parse_args()
    if args.quick:
        args.rate, args.seconds = 500.0, 120.0
    with private_stack() as settings:
        result = run_soak(settings, rate=args.rate, seconds=args.seconds, distinct=int(args.rate * 30),
                          sample_every=5.0, progress=True)
    print(result.render())
    report.row(f"soak {result.seconds:.0f} s: orders sent", result.sent / max(result.elapsed, 1e-9), "orders/s",
               ceiling=args.rate, ratio_goal=0.95, note="ceiling = the rate asked for")
    start, end = result.all_pages_span
    report.row("soak: stack memory growth", result.growth * 100, "%", goal=GOAL_GROWTH * 100, lower_is_better=True,
               note=f"held: {result.baseline_bytes / 2**20:.0f} -> {result.final_bytes / 2**20:.0f} MiB; "
                    f"with the files mapped (PSS): {start / 2**20:.0f} -> {end / 2**20:.0f} MiB")
    report.row("soak: memory growth per record sent", result.bytes_per_record, "B",
               note="start to end, one-time steps included")
    report.row("soak: memory trend over the last third, per record sent", result.late_trend_per_record, "B",
               note="least squares: what is kept per order once start-up steps are behind")
    for name, start, end in result.growth_by_component()[:3]:
        report.row(f"soak: growth of {name}", (end - start) / 2**20, "MiB", note=f"{start / 2**20:.0f} -> {end / 2**20:.0f} MiB")
    report.row("soak: stream job restarts during the run", float(result.stream_job.get("restarts") or 0), "",
               note=str(result.stream_job.get("last_exit") or "")[:80])
    report.row("soak: nothing lost (table = last pass, DLQ empty)", 1.0 if result.lost_nothing else 0.0, "bool",
               met=result.lost_nothing)
    return report.exit_code()


if __name__ == "__main__":
    raise SystemExit(main())
