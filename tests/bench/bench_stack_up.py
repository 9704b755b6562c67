"""How long `cadabra up` takes until every component is healthy (goal: <= 10 s once the venv exists).

Runs on private free ports and a private state dir, so it never touches a running stack.
Measures a cold start (fresh state dir: initdb included) and warm starts (data dir exists); `--quick`
takes one warm start instead of the median of three. No ceiling: a start has no faster reference.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench import report
from tests.bench._stack import stack_env

GOAL_S = 10.0


def run(env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "sandbox.cli", *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"cadabra {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return time.perf_counter() - started


def main() -> int:
    warm_runs = 1 if report.quick() else 3
    root = Path(tempfile.mkdtemp(prefix="cadabra-bench-"))
    root.chmod(0o755)
    env = stack_env(root)
    try:
        cold = run(env, "up")
        down = run(env, "down")
        warm = []
        for _ in range(warm_runs):
            warm.append(run(env, "up"))
            run(env, "down")
    finally:
        subprocess.run([sys.executable, "-m", "sandbox.cli", "down"], env=env, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
    p50 = statistics.median(warm)
    report.row("cadabra up, cold (initdb + deploy)", cold, "s")
    report.row(f"cadabra up, warm (deploy included), median of {warm_runs}", p50, "s", goal=GOAL_S,
               lower_is_better=True)
    report.row("cadabra down", down, "s")
    return report.exit_code()


if __name__ == "__main__":
    raise SystemExit(main())
