"""Pipeline 5 in the console: /warehouse (the dashboard, from Athena or Redshift) and a read-only SQL box.

The SQL box runs queries only: the statement must parse as a query (sqlglot), Athena runs nothing
else, and Redshift runs it in a READ ONLY transaction (a batch whose first statement is
SET TRANSACTION READ ONLY), so a data-modifying CTE fails too.
"""

from __future__ import annotations

import html
from typing import Any, Optional

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse

from sandbox.console.app import PAGES, page
from sandbox.settings import Settings


class NotReadOnly(ValueError):
    pass


def read_only_query(settings: Settings, sql: str, engine: str) -> Any:
    """Run one query (never a write) on Athena or Redshift; the app's Result."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ParseError

    from pipelines.warehouse import app

    dialect = "athena" if engine == "athena" else "redshift"
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except ParseError as exc:
        raise NotReadOnly(f"the SQL does not parse: {exc}") from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise NotReadOnly("the console runs one query (SELECT/WITH) only")
    if engine == "athena":
        return app.athena(settings, sql)
    return app.redshift(settings, ["SET TRANSACTION READ ONLY", sql])


def register(app: FastAPI, settings: Settings) -> None:
    from pipelines.warehouse import app as warehouse, dashboard

    if ("/warehouse", "Warehouse") not in PAGES:
        PAGES.append(("/warehouse", "Warehouse"))

    @app.get("/api/warehouse/dashboard")
    def dashboard_data(source: str = "athena") -> Any:
        """Every chart's columns and rows (or error), from Athena or Redshift."""
        try:
            board = dashboard.collect(settings, source)
        except warehouse.WarehouseError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return {"source": board.source, "charts": [{"name": c.name, "title": c.title, "columns": c.columns,
                                                    "rows": c.rows, "error": c.error} for c in board.charts]}

    @app.get("/warehouse", response_class=HTMLResponse)
    def warehouse_page(source: str = "athena", sql: Optional[str] = None, engine: str = "athena") -> HTMLResponse:
        links = " · ".join(f'<a href="/warehouse?source={s}">{s}</a>' for s in dashboard.SOURCES)
        form = ('<form method="get"><textarea name="sql" rows="4" cols="100">{}</textarea><br>'
                '<select name="engine"><option {}>athena</option><option {}>redshift</option></select> '
                '<button>Run (read-only)</button></form>').format(
            html.escape(sql or "SELECT country, count(*) AS lines FROM orders GROUP BY country ORDER BY lines DESC"),
            "selected" if engine == "athena" else "", "selected" if engine == "redshift" else "")
        body = [f"<p>Dashboard from {links}</p>", form]
        if sql:
            try:
                result = read_only_query(settings, sql, engine)
                head = "".join(f"<th>{html.escape(c)}</th>" for c in result.columns)
                rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in result.rows[:500])
                body.append(f"<table><tr>{head}</tr>{rows}</table><p>{len(result.rows)} rows</p>")
            except (NotReadOnly, warehouse.WarehouseError) as exc:
                body.append(f"<p class='bad'>{html.escape(str(exc))}</p>")
        try:
            body.append(dashboard.render(dashboard.collect(settings, source), standalone=False))
        except warehouse.WarehouseError as exc:
            body.append(f"<p class='bad'>{html.escape(str(exc))}</p>")
        return page("Warehouse", "".join(body))
