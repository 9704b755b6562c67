"""`make demo`: every pipeline's demo step in a deliberate order, each timed, each judged.

A pipeline's `pipelines/<name>/demo.py` has `run(settings, console)`, which prints what happened
and raises when its pipeline produced nothing (a bounded wait that timed out, a failed job). Its
`DEMO_ORDER` (default 50) places it: pipeline 3 goes first because any replay at full speed is a
surge that would raise an alarm before its trickle; pipelines 2 and 5 go last because they read the
lake the earlier replays filled. One step failing does not stop the others; the demo then exits
non-zero naming the pipeline and why.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass
from types import ModuleType
from typing import Iterable

from rich.console import Console

from sandbox.settings import Settings

DEFAULT_ORDER = 50


@dataclass
class StepResult:
    pipeline: str
    seconds: float
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def ordered(steps: Iterable[tuple[str, ModuleType]]) -> list[tuple[str, ModuleType]]:
    """Steps by their DEMO_ORDER, then by name."""
    return sorted(steps, key=lambda step: (getattr(step[1], "DEMO_ORDER", DEFAULT_ORDER), step[0]))


def run_steps(settings: Settings, console: Console, steps: Iterable[tuple[str, ModuleType]]) -> list[StepResult]:
    results = []
    for name, module in ordered(steps):
        console.rule(f"pipeline: {name}")
        started = time.perf_counter()
        try:
            module.run(settings, console)
        except Exception as exc:  # a failed step is reported and the others still run
            error = f"{type(exc).__name__}: {exc}"
            console.print(f"[red]{name} failed:[/] {error}", highlight=False)
            console.print(traceback.format_exc(limit=3), style="dim", highlight=False)
            results.append(StepResult(name, time.perf_counter() - started, error))
            continue
        results.append(StepResult(name, time.perf_counter() - started))
    return results


def summary_rows(results: list[StepResult]) -> list[dict[str, str]]:
    return [{"pipeline": r.pipeline, "seconds": f"{r.seconds:.1f}", "result": "ok" if r.ok else f"FAILED: {r.error}"}
            for r in results]
