"""`make demo`'s orchestration: order, a failing step reported without stopping the others, exit code."""

from __future__ import annotations

import io
from types import SimpleNamespace

from rich.console import Console

from sandbox.demo import ordered, run_steps, summary_rows
from sandbox.pipelines_registry import pipeline_modules
from sandbox.settings import Settings


def _step(calls: list[str], name: str, order: int | None = None, error: Exception | None = None) -> tuple:
    def run(settings, console):
        calls.append(name)
        if error is not None:
            raise error

    module = SimpleNamespace(run=run) if order is None else SimpleNamespace(run=run, DEMO_ORDER=order)
    return name, module


def test_steps_run_in_demo_order_and_a_failure_does_not_stop_the_rest():
    calls: list[str] = []
    steps = [_step(calls, "b"), _step(calls, "a", error=TimeoutError("no alarm in 60 s")), _step(calls, "first", order=10)]
    console = Console(file=io.StringIO(), width=80)
    results = run_steps(Settings(), console, steps)
    assert calls == ["first", "a", "b"]
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].error == "TimeoutError: no alarm in 60 s"
    assert "a failed" in console.file.getvalue()
    assert summary_rows(results)[1]["result"] == "FAILED: TimeoutError: no alarm in 60 s"


def test_the_rate_alarm_runs_before_any_replay_and_the_lake_readers_last():
    names = [name for name, _ in ordered(pipeline_modules("demo"))]
    assert set(names) >= {"order_history", "weblogs"}
    if "rate_alarm" in names:
        assert names[0] == "rate_alarm"
    for reader in ("recommendations", "warehouse"):
        if reader in names:
            assert names.index(reader) > names.index("order_history")
    if {"recommendations", "warehouse"} <= set(names):
        assert names.index("warehouse") > names.index("recommendations")
