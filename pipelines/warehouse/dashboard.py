"""The QuickSight stand-in: the dashboard's data from Athena or Redshift, and its HTML (console and report).

Each chart is one SQL file per engine (sql/athena/dashboard/, sql/redshift/dashboard/): Athena
reads the crawled lake (orderlogs.orders), Redshift the star schema `cadabra warehouse load`
builds. The HTML is rendered by Jinja2 (autoescaping) with inline SVG bars and no external assets,
so the report opens anywhere. https://docs.aws.amazon.com/quicksight/latest/user/working-with-visuals.html
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jinja2
from botocore.exceptions import BotoCoreError, ClientError

from pipelines.warehouse import app
from sandbox.settings import Settings

CHARTS: tuple[tuple[str, str], ...] = (
    ("revenue_by_country", "Revenue by country"),
    ("top_products", "Top products (units)"),
    ("orders_per_day", "Orders per day"),
    ("orders_per_hour", "Orders per hour of the day"),
    ("cancellation_rate", "Cancellation rate"),
)
SOURCES = ("athena", "redshift")
_TEMPLATES = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                                autoescape=jinja2.select_autoescape(default=True))


@dataclass
class Chart:
    name: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    sql: str
    error: str = ""

    @property
    def bars(self) -> list[tuple[str, float, float]]:
        """(label, value, width 0-100) for a two-column chart."""
        if len(self.columns) != 2 or not self.rows:
            return []
        values = [float(r[1] or 0) for r in self.rows]
        top = max((abs(v) for v in values), default=0) or 1
        return [(str(r[0]), v, 100 * abs(v) / top) for r, v in zip(self.rows, values)]


@dataclass
class Dashboard:
    source: str
    charts: list[Chart] = field(default_factory=list)
    generated: str = field(default_factory=lambda: datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))


def collect(settings: Settings, source: str = "athena") -> Dashboard:
    """Run every chart's query on `source`; a failing chart carries its error, the others still show."""
    if source not in SOURCES:
        raise app.WarehouseError(f"unknown source {source!r}: use athena or redshift")
    board = Dashboard(source)
    for name, title in CHARTS:
        sql = app.sql_file(source, f"dashboard/{name}")
        try:
            result = app.athena(settings, sql) if source == "athena" else app.redshift(settings, sql)
            board.charts.append(Chart(name, title, result.columns, result.rows, sql))
        except (app.WarehouseError, BotoCoreError, ClientError) as exc:
            hint = " (run `cadabra warehouse load` first)" if source == "redshift" else " (run `cadabra warehouse crawl` first)"
            board.charts.append(Chart(name, title, [], [], sql, f"{exc}{hint}"))
    return board


def render(board: Dashboard, *, standalone: bool) -> str:
    """The dashboard as HTML: a whole page (the report) or a fragment (the console page)."""
    return _TEMPLATES.get_template("dashboard.html").render(board=board, standalone=standalone)


def write_report(settings: Settings, output: Path | None = None, *, source: str = "athena") -> Path:
    """Write the self-contained HTML report (default <state dir>/report.html); returns its path."""
    board = collect(settings, source)
    path = Path(output) if output else settings.state_dir / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(board, standalone=True))
    return path
