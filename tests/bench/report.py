"""The one way a benchmark reports a figure, so `make bench` can gather every bench into one table.

    from tests.bench import report

    report.row("end to end", rate, "lines/s", ceiling=raw_rate, goal=2000, ratio_goal=0.5)
    report.row("Invoke API p50", p50_ms, "ms", goal=15, lower_is_better=True)
    report.row("full data set complete", 1.0 if complete else 0.0, "bool", met=complete)
    return report.exit_code()   # 1 while a goal of this bench is not met

A row is: measure, value, unit, the ceiling measured in the same run (same unit; the ratio is
value / ceiling), the goal (a number in the unit, a minimum ratio to the ceiling, or both) and
whether it is met (computed from the goal, or `met=` for a condition no number expresses). Each call
prints a readable line and, when the runner (`python -m tests.bench.run`) set CADABRA_BENCH_ROWS,
appends the row as one JSON line to that file; the runner prints the table and rewrites the
generated section of docs/BENCHMARKS.md from them.

A bench takes `--quick` (minutes, smaller sizes, for `make bench-quick` and CI-like checks) and
prints rows the same way in both modes; `quick()` tells which mode the runner asked for.
"""

from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

ROWS_ENV = "CADABRA_BENCH_ROWS"
NAME_ENV = "CADABRA_BENCH_NAME"

_rows: list["Row"] = []


@dataclass
class Row:
    bench: str
    measure: str
    value: float
    unit: str
    ceiling: float | None = None
    goal: float | None = None
    ratio_goal: float | None = None
    lower_is_better: bool = False
    met: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.ceiling is None or not self.ceiling or math.isnan(self.ceiling) or math.isnan(self.value):
            return None
        return self.value / self.ceiling

    def goal_text(self) -> str:
        parts = []
        if self.goal is not None:
            parts.append(f"{'<=' if self.lower_is_better else '>='} {_number(self.goal)} {self.unit}")
        if self.ratio_goal is not None:
            parts.append(f">= {self.ratio_goal:.0%} of ceiling")
        return ", ".join(parts)

    def to_json(self) -> dict:
        return asdict(self)


def _number(value: float | None) -> str:
    if value is None:
        return ""
    if math.isnan(value):
        return "n/a"
    if abs(value) >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"


def _judge(row: Row) -> bool | None:
    verdicts = []
    if row.goal is not None:
        ok = not math.isnan(row.value) and (row.value <= row.goal if row.lower_is_better else row.value >= row.goal)
        verdicts.append(ok)
    if row.ratio_goal is not None:
        verdicts.append(row.ratio is not None and row.ratio >= row.ratio_goal)
    return all(verdicts) if verdicts else None


def bench_name() -> str:
    return os.environ.get(NAME_ENV) or Path(sys.argv[0]).stem


def quick() -> bool:
    """True when the bench was asked for its quick mode (`--quick` on its command line)."""
    return "--quick" in sys.argv[1:]


def row(measure: str, value: float, unit: str, *, ceiling: float | None = None, goal: float | None = None,
        ratio_goal: float | None = None, lower_is_better: bool = False, met: bool | None = None,
        note: str = "") -> Row:
    """Record one figure (see the module docstring); `met` overrides what the goals compute."""
    entry = Row(bench_name(), measure, float(value), unit, None if ceiling is None else float(ceiling), goal,
                ratio_goal, lower_is_better, None, note)
    judged = _judge(entry)
    entry.met = met if met is not None else judged
    if met is not None and judged is not None:
        entry.met = met and judged
    _rows.append(entry)
    print("  row: " + format_line(entry), flush=True)
    target = os.environ.get(ROWS_ENV)
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(json.dumps(entry.to_json()) + "\n")
    return entry


def format_line(entry: Row) -> str:
    text = f"{entry.measure}: {_number(entry.value)} {entry.unit}"
    if entry.ceiling is not None:
        ratio = entry.ratio
        text += f" (ceiling {_number(entry.ceiling)} {entry.unit}, ratio {'n/a' if ratio is None else f'{ratio:.0%}'})"
    if entry.met is not None:
        text += f"; goal {entry.goal_text() or 'as stated'}: {'met' if entry.met else 'NOT met'}"
    return text + (f" [{entry.note}]" if entry.note else "")


def read_rows(path: Path) -> list[Row]:
    if not path.exists():
        return []
    return [Row(**json.loads(line)) for line in path.read_text().splitlines() if line.strip()]


def exit_code() -> int:
    """1 when a row of this process has a goal that is not met, else 0."""
    return 1 if any(entry.met is False for entry in _rows) else 0
