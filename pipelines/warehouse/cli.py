"""Pipeline 5 commands: `cadabra athena SQL`, `cadabra redshift SQL`, `cadabra warehouse crawl|tables|france|load`, `cadabra report`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable, NoReturn, Optional, TypeVar

import typer
from rich.console import Console

from sandbox.settings import get_settings
from sandbox.tables import Column, show

warehouse_app = typer.Typer(help="The warehouse: Glue crawler, the star schema in Redshift, the course's query.",
                            no_args_is_help=True)
out = Console()
err = Console(stderr=True)


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    app.command("athena")(athena)
    app.command("redshift")(redshift)
    app.command("report")(report)
    app.add_typer(warehouse_app, name="warehouse")


T = TypeVar("T")


def _fail(exc: Exception) -> NoReturn:
    err.print(f"[bold red]error:[/] {exc}", highlight=False)
    raise typer.Exit(1)


def _or_fail(call: Callable[[], T]) -> T:
    """`call()`; a warehouse or SQL error is printed and ends the command with exit code 1."""
    from pipelines.warehouse.app import WarehouseError
    from sandbox.localcloud.redshift_data.translate import TranslationError

    try:
        return call()
    except (WarehouseError, TranslationError) as exc:
        _fail(exc)


def _sql(sql: str) -> str:
    """SQL given inline, or `@path` to read it from a file."""
    if sql.startswith("@"):
        path = Path(sql[1:])
        if not path.exists():
            _fail(FileNotFoundError(f"{path} does not exist"))
        return path.read_text()
    return sql


def print_result(result: Any, title: str, limit: int = 200, console: Console = out) -> None:
    show(console, result.as_dicts()[:limit], [Column(c, text=True) for c in result.columns], title=title,
         empty=f"{title}: no rows")
    more = f" (first {limit} shown)" if len(result.rows) > limit else ""
    console.print(f"{len(result.rows)} rows{more}", highlight=False)


def athena(
    sql: str = typer.Argument(..., help="a query in Athena's SQL (Trino), or @file.sql"),
    param: list[str] = typer.Option([], "--param", "-p", help="an ExecutionParameter for each ? (a SQL literal: \"'2011'\")"),
    database: Optional[str] = typer.Option(None, help="QueryExecutionContext database (default orderlogs)"),
) -> None:
    """Run an Athena query on the catalog's tables and print the rows."""
    from pipelines.warehouse import app

    settings = get_settings()
    started = time.monotonic()
    result = _or_fail(lambda: app.athena(settings, _sql(sql), parameters=param or None, database=database))
    print_result(result, f"Athena {result.id}")
    out.print(f"{time.monotonic() - started:.2f} s, engine {result.engine_ms} ms, {result.scanned_bytes:,} bytes scanned, "
              f"results in {result.extra.get('output')}", highlight=False)


def redshift(
    sql: str = typer.Argument(..., help="Redshift SQL (one statement, or several separated by ; run as one batch), or @file.sql"),
    param: list[str] = typer.Option([], "--param", "-p", help="a Data API parameter name=value for :name"),
) -> None:
    """Run SQL on the Redshift cluster (PostgreSQL database dev) through the Redshift Data API."""
    from pipelines.warehouse import app
    from sandbox.localcloud.redshift_data.translate import split

    settings = get_settings()
    statements = _or_fail(lambda: split(_sql(sql)))
    parameters = dict(p.split("=", 1) for p in param if "=" in p)
    started = time.monotonic()
    result = _or_fail(lambda: app.redshift(settings, statements if len(statements) > 1 else statements[0],
                                           parameters=parameters or None))
    if result.columns:
        print_result(result, f"Redshift {result.id}")
    else:
        out.print(f"done: {result.extra.get('rows_affected')} rows affected", highlight=False)
    out.print(f"{time.monotonic() - started:.2f} s   psql {settings.postgres_dsn}", highlight=False)


@warehouse_app.command("crawl")
def crawl() -> None:
    """Run the Glue crawler over the lake and show the tables it wrote."""
    from pipelines.warehouse import app

    settings = get_settings()
    done = _or_fail(lambda: app.crawl(settings, progress=lambda m: out.print(f"  · {m}", highlight=False)))
    metrics = done["metrics"]
    out.print(f"crawl {done['last_crawl']['Status']} in {metrics['LastRuntimeSeconds']:.2f} s: "
              f"{metrics['TablesCreated']} tables created, {metrics['TablesUpdated']} updated", highlight=False)
    tables()


@warehouse_app.command("tables")
def tables() -> None:
    """The tables of the catalog database orderlogs, with their partition keys and columns."""
    from pipelines.warehouse import app

    rows = [{"table": found["Name"], "location": found["StorageDescriptor"]["Location"],
             "partitions": ", ".join(k["Name"] for k in found.get("PartitionKeys", [])),
             "columns": ", ".join(f"{c['Name']} {c['Type']}" for c in found["StorageDescriptor"]["Columns"])}
            for found in app.tables(get_settings())]
    show(out, rows, TABLE_COLUMNS, title=f"Glue database {get_settings().names.glue_database}")


TABLE_COLUMNS = [Column("table"), Column("location", text=True), Column("partitions", text=True),
                 Column("columns", text=True)]


@warehouse_app.command("france")
def france(
    year: Optional[str] = typer.Option(None, help="partition year (default: the month with most French order lines)"),
    month: Optional[str] = typer.Option(None, help="partition month, two digits"),
    via: str = typer.Option("athena", help="athena or redshift (Spectrum)"),
) -> None:
    """The course's query: what France ordered in one month, by description."""
    from pipelines.warehouse import app

    settings = get_settings()
    if not (year and month):
        year, month = _or_fail(lambda: app.busiest_month(settings))
    started = time.monotonic()
    result = _or_fail(lambda: app.france(settings, year, month, via=via))
    print_result(result, f"France, {year}-{month}, via {via}", limit=20)
    out.print(f"{time.monotonic() - started:.2f} s", highlight=False)


@warehouse_app.command("load")
def load() -> None:
    """Build the star schema in Redshift from the lake (COPY, then dimensions and facts), idempotently."""
    from pipelines.warehouse import load as loader

    settings = get_settings()
    summary = _or_fail(lambda: loader.load(settings, progress=lambda m: out.print(f"  · {m}", highlight=False)))
    out.print(summary, highlight=False)


def report(
    output: Optional[Path] = typer.Option(None, help="where to write the HTML (default: <state dir>/report.html)"),
    source: str = typer.Option("athena", help="athena or redshift: which engine feeds the charts"),
) -> None:
    """Write a self-contained HTML report of the dashboard (revenue by country, top products, orders by day/hour, cancellations)."""
    from pipelines.warehouse import dashboard

    settings = get_settings()
    path = _or_fail(lambda: dashboard.write_report(settings, output, source=source))
    out.print(f"report written to {path}", highlight=False)
