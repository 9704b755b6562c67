"""Pipeline 5 in the console: /warehouse (the dashboard, from Athena or Redshift, and a read-only SQL
box), GET /api/warehouse/dashboard, and the overview row.

The SQL box runs queries only: the statement must parse as one query (sqlglot), Athena runs nothing
else, and Redshift runs it in a READ ONLY transaction (a batch whose first statement is
SET TRANSACTION READ ONLY), so a data-modifying CTE fails too.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from fastapi import Request
from fastapi.responses import JSONResponse

from sandbox.console.site import Site, Summary
from sandbox.settings import Settings

DEFAULT_SQL = "SELECT country, count(*) AS lines FROM orders GROUP BY country ORDER BY lines DESC"


class NotReadOnly(ValueError):
    pass


def read_only_query(settings: Settings, sql: str, engine: str) -> Any:
    """Run one query (never a write) on Athena or Redshift; the app's Result."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ParseError

    from pipelines.warehouse import app

    if engine not in ("athena", "redshift"):
        raise NotReadOnly(f"unknown engine {engine!r}: use athena or redshift")
    try:
        statements = [s for s in sqlglot.parse(sql, read=engine) if s is not None]
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

    def context(request: Request) -> dict[str, Any]:
        params = request.query_params
        source = params.get("source", "athena")
        sql, engine = params.get("sql"), params.get("engine", "athena")
        values: dict[str, Any] = {"sql": sql or DEFAULT_SQL, "engine": engine, "result": None, "query_error": "",
                                  "board": None, "board_error": ""}
        if sql:
            try:
                values["result"] = read_only_query(settings, sql, engine)
            except (NotReadOnly, warehouse.WarehouseError, BotoCoreError, ClientError) as exc:
                values["query_error"] = str(exc)
        try:
            values["board"] = dashboard.collect(settings, source)
        except warehouse.WarehouseError as exc:
            values["board_error"] = str(exc)
        return values

    site.page("/warehouse", "Warehouse", "warehouse/warehouse.html", order=50, context=context)
    site.overview("Warehouse (pipeline 5)", summary, link="/warehouse")

    @site.api.get("/warehouse/dashboard")
    def dashboard_data(source: str = "athena") -> Any:
        """Every chart's columns and rows (or error), from Athena or Redshift."""
        try:
            board = dashboard.collect(settings, source)
        except warehouse.WarehouseError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return {"source": board.source, "charts": [{"name": c.name, "title": c.title, "columns": c.columns,
                                                    "rows": c.rows, "error": c.error} for c in board.charts]}


def summary(settings: Settings) -> Summary:
    """Healthy when the crawler exists and its last crawl (if any) succeeded; counts catalog tables."""
    from sandbox.aws import client

    glue = client("glue", settings)
    crawler = glue.get_crawler(Name=settings.names.glue_crawler)["Crawler"]
    last = crawler.get("LastCrawl", {})
    tables = glue.get_tables(DatabaseName=settings.names.glue_database)["TableList"]
    healthy = last.get("Status", "SUCCEEDED") == "SUCCEEDED"
    detail = f"crawler {crawler['State']}, last crawl {last.get('Status', 'never')}"
    return Summary(healthy, detail, {"catalog tables": len(tables)})
