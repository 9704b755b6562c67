"""Reliability at the issue's size: 100,000 order lines with 1 % malformed through pipeline 1.

The same check as tests/reliability/test_malformed_orders.py (which runs 20,000 lines in `make test`),
from tests/reliability/malformed.py, on a private embedded stack: no valid line lost or doubled (the
table equals a clean run's, item by item), every bad line in the DLQ once with the kind and reason
the handler names, the mapping still enabled. Reports the processing rate (no ceiling: bench_order_history
measures pipeline 1 against raw BatchWriteItem) and how long the item-by-item check takes.

Run: .venv/bin/python -m tests.bench.bench_malformed [--quick] [--lines 100000]; --quick: 20,000 lines.
"""

from __future__ import annotations

import argparse

from tests.bench import report
from tests.bench._stack import private_stack
from tests.reliability import malformed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="20,000 lines")
    args = parser.parse_args()
    if args.quick:
        args.lines = 20_000
    with private_stack() as settings:
        result = malformed.run(settings, args.lines)
    report.row(f"{args.lines:,} lines, 1 % bad: put -> all valid items in", args.lines / result.processed_s, "lines/s")
    report.row("valid lines lost, doubled or different", len(result.table["missing"]) + len(result.table["different"])
               + abs(result.table["extra"]), "lines", goal=0, lower_is_better=True, met=result.table_exact)
    report.row("bad lines dead-lettered once with their reason", len(result.letters), "lines",
               goal=len(result.bad), met=result.letters_exact)
    report.row("check: every item fetched and compared", result.checked_s, "s",
               note=f"{len(result.want):,} BatchGetItem keys")
    report.row("mapping still enabled", float(all(s == "Enabled" for s in result.mapping_states)), "bool",
               met=bool(result.mapping_states) and all(s == "Enabled" for s in result.mapping_states))
    return report.exit_code()


if __name__ == "__main__":
    raise SystemExit(main())
