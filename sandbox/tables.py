"""Tables of the `cadabra` commands: a few columns that fit an 80-column terminal by default,
every column with `--wide` (as wide as they need: the terminal wraps), every field with `--json`.

Long free text (descriptions, messages, paths) wraps inside its column instead of being cut to
`Ca…`; identifiers never wrap. Rendering is rich's; this module only picks the columns.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from sandbox.arn import name_of


TEXT_MIN_WIDTH = 16  # free text narrower than this is unreadable: such a table needs fewer columns


@dataclass(frozen=True)
class Column:
    """One column: `key` in the row, its header, whether only `--wide` shows it, and how it fits."""

    key: str
    header: str | None = None
    wide: bool = False  # shown only with --wide
    text: bool = False  # free text: wraps at words (identifiers and numbers never wrap)
    format: Callable[[Any], str] | None = None

    def cell(self, row: dict[str, Any]) -> str:
        value = row.get(self.key)
        if self.format is not None:
            return self.format(value)
        return cell(value)


def cell(value: Any) -> str:
    """How a value reads in a table: nothing for None, JSON for lists and dicts."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return "" if value is None else str(value)


def short_arn(value: Any) -> str:
    """The name in an ARN (`arn:aws:lambda:...:function:ProcessOrders:1` -> `ProcessOrders`)."""
    return name_of(cell(value))


def clock(value: Any) -> str:
    """`2026-11-28T08:30:00.804254+00:00` -> `08:30:00` (the date is in --wide and --json)."""
    text = cell(value)
    return text[11:19] if len(text) >= 19 and text[10] == "T" else text


def table(rows: Iterable[dict[str, Any]], columns: list[Column], *, title: str | None = None,
          wide: bool = False) -> Table:
    """A rich Table of `rows` with the default columns, or all of them when `wide`."""
    rows = list(rows)
    shown = [c for c in columns if wide or not c.wide]
    result = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for column in shown:
        if column.text:
            result.add_column(column.header or column.key, overflow="fold", ratio=1, min_width=TEXT_MIN_WIDTH)
        else:
            numeric = bool(rows) and all(isinstance(row.get(column.key), (int, float)) for row in rows)
            result.add_column(column.header or column.key, no_wrap=not wide, overflow="fold",
                              justify="right" if numeric and column.format is None else "left")
    for row in rows:
        result.add_row(*(column.cell(row) for column in shown))
    return result


def show(console: Console, rows: list[dict[str, Any]], columns: list[Column], *, title: str,
         wide: bool = False, as_json: bool = False, empty: str | None = None) -> None:
    """Print `rows`: as JSON (every field), or as a table (`wide`: every column)."""
    if as_json:
        print(json.dumps(rows, indent=2, default=str))
        return
    if not rows:
        console.print(empty or f"no {title}", highlight=False)
        return
    rendered = table(rows, columns, title=title, wide=wide)
    if not wide:
        console.print(rendered)
        return
    # --wide: as wide as the columns need (the terminal wraps long lines), like `kubectl -o wide`
    needed = Measurement.get(console, console.options.update(width=10_000), rendered).maximum
    wider = Console(file=console.file, width=max(console.width, needed), force_terminal=console.is_terminal,
                    color_system=console.color_system)  # print() clamps its width to the console's
    wider.print(rendered)
