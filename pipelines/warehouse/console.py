"""Pipeline 5 in the console: /warehouse (the dashboard, from Athena or Redshift), a read-only SQL
box, their JSON API and the overview row.

The SQL box runs queries only: the statement must parse as one query (sqlglot), Athena runs nothing
else, and Redshift runs it in a READ ONLY transaction (a batch whose first statement is
SET TRANSACTION READ ONLY), so a data-modifying CTE fails too. Product descriptions are
attacker-controlled text: the page shows every value as text (console.js).
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from sandbox.aws import client as aws_client
from sandbox.console.site import Site, Summary
from sandbox.settings import Settings

MAX_ROWS = 500
DASHBOARD_REFRESH_SECONDS = 60  # five queries per refresh: the dashboard is not a live view


class NotReadOnly(ValueError):
    pass


class QueryRequest(BaseModel):
    sql: str
    engine: str = "athena"


def read_only_query(settings: Settings, sql: str, engine: str) -> Any:
    """Run one query (never a write) on Athena or Redshift; the app's Result."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ParseError

    from pipelines.warehouse import app

    if engine not in ("athena", "redshift"):
        raise NotReadOnly(f"unknown engine {engine!r}: use athena or redshift")
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


def register(site: Site) -> None:
    from pipelines.warehouse import app as warehouse, dashboard

    settings = site.settings
    site.page("/warehouse", "Warehouse", "warehouse/warehouse.html", order=50,
              context=lambda request: {"sources": dashboard.SOURCES, "refresh": DASHBOARD_REFRESH_SECONDS})
    site.overview("Warehouse (pipeline 5)", summary, link="/warehouse")

    @site.api.get("/warehouse/dashboard")
    def dashboard_data(source: str = "athena") -> Any:
        """Every chart's columns and rows (or its error), from Athena (the lake) or Redshift (the star schema)."""
        try:
            board = dashboard.collect(settings, source)
        except warehouse.WarehouseError as exc:
            return JSONResponse({"error": "WarehouseError", "message": str(exc)}, status_code=400)
        return {"source": board.source, "generated": board.generated,
                "charts": [{"name": c.name, "title": c.title, "columns": c.columns, "rows": c.rows, "error": c.error}
                           for c in board.charts]}

    @site.api.post("/warehouse/query")
    def query(request: QueryRequest) -> Any:
        """One read-only query on Athena or Redshift: columns, the first rows, the row count."""
        try:
            result = read_only_query(settings, request.sql, request.engine)
        except (NotReadOnly, warehouse.WarehouseError) as exc:
            return JSONResponse({"error": type(exc).__name__, "message": str(exc)}, status_code=400)
        rows = [dict(zip(result.columns, row)) for row in result.rows[:MAX_ROWS]]
        return {"columns": result.columns, "rows": rows, "count": len(result.rows), "id": result.id}


def summary(settings: Settings) -> Summary:
    """Healthy when the crawler is READY and its last crawl (if any) succeeded; counts catalog tables."""
    glue = aws_client("glue", settings)
    crawler = glue.get_crawler(Name=settings.names.glue_crawler)["Crawler"]
    last = crawler.get("LastCrawl") or {}
    tables = glue.get_tables(DatabaseName=settings.names.glue_database)["TableList"]
    healthy = crawler["State"] == "READY" and last.get("Status", "SUCCEEDED") == "SUCCEEDED"
    detail = f"crawler {crawler['State']}, last crawl {last.get('Status', 'never')}"
    if last.get("ErrorMessage"):
        detail += f": {last['ErrorMessage']}"
    return Summary(healthy, detail, {"catalog tables": len(tables)})
