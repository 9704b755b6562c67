"""`make bench`: run every tests/bench/bench_*.py in turn; each prints its numbers and ratios."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path


def main() -> int:
    benches = sorted(Path(__file__).parent.glob("bench_*.py"))
    only = sys.argv[1:]
    failed = []
    for path in benches:
        if only and not any(o in path.stem for o in only):
            continue
        print(f"\n=== {path.stem} ===", flush=True)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", f"tests.bench.{path.stem}"])
        print(f"--- {path.stem}: exit {done.returncode} in {time.perf_counter() - started:.1f}s", flush=True)
        if done.returncode != 0:
            failed.append(path.stem)
    if failed:
        print(f"benchmarks that failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
