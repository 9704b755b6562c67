"""Pipeline 1 commands: `cadabra replay orders` and `cadabra orders CUSTOMER`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from sandbox.settings import get_settings
from sandbox.tables import Column, show


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    groups["replay"].command("orders")(replay_orders)
    app.command("orders")(orders)


def replay_orders(
    file: Optional[Path] = typer.Option(None, help="CSV (.csv or .csv.gz) in the Online Retail format; default: the shipped sample"),
    count: Optional[int] = typer.Option(None, help="order lines to send (default: all)"),
    rate: Optional[float] = typer.Option(None, help="order lines per second"),
    speedup: Optional[float] = typer.Option(None, help="replay the data's own timing X times faster"),
    burst: Optional[int] = typer.Option(None, help="send N order lines within one second, then stop"),
    seed: int = typer.Option(0, help="seed of the synthetic mode"),
    synthetic: bool = typer.Option(False, help="generate lines with the data's distributions instead of replaying"),
    full: bool = typer.Option(False, help="replay the full data set, data/OnlineRetail.csv.gz (541,909 lines)"),
    quiet: bool = typer.Option(False, help="no progress bar"),
) -> None:
    """Replay Online Retail order lines to the Kinesis stream CadabraOrders."""
    from generators import orders as generator

    settings = get_settings()
    if full:
        file = Path(generator.FULL_FILE)
    try:
        summary = generator.replay(
            settings, file=file, count=count, rate=rate, speedup=speedup, burst=burst, seed=seed,
            synthetic=synthetic, progress=not quiet,
        )
    except (ValueError, generator.ReplayError) as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1)
    Console().print(summary.render())


def orders(
    customer: str = typer.Argument(..., help="CustomerID, e.g. 17850"),
    limit: int = typer.Option(20, help="order lines per page"),
    next_token: Optional[str] = typer.Option(None, help="continue after a previous page"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
    wide: bool = typer.Option(False, "--wide", help="every column (the default fits 80 columns)"),
) -> None:
    """A customer's order history from DynamoDB, newest first, with totals."""
    from pipelines.order_history import app as orders_app

    try:
        page = orders_app.customer_orders(get_settings(), customer, limit=limit, next_token=next_token)
    except orders_app.OrdersError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2 if isinstance(exc, orders_app.BadRequest) else 1)
    if as_json:
        print(json.dumps(page.as_dict(), indent=2, default=str))
        return
    print_page(Console(), page, wide=wide)


ORDER_COLUMNS = [
    Column("OrderDate", "date"), Column("InvoiceNo", "invoice"), Column("StockCode", "stock"),
    Column("Description", text=True), Column("Quantity", "qty"), Column("UnitPrice", "price"),
    Column("LineTotal", "total", wide=True), Column("Country", wide=True), Column("LineNo", "line", wide=True),
]


def print_page(console: Console, page, wide: bool = False) -> None:  # noqa: ANN001 - an app.OrdersPage
    totals = ", ".join(f"{key} {value}" for key, value in page.totals.as_dict().items())
    console.print(f"customer {page.customer_id}: {totals}", highlight=False)
    rows = [order.as_dict() for order in page.orders]
    show(console, rows, ORDER_COLUMNS, title=f"{len(rows)} order lines, newest first", wide=wide)
    if page.next_token:
        console.print(f"more: --next-token {page.next_token}", highlight=False)
