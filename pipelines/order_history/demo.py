"""Pipeline 1's step in `make demo`: replay a slice of Online Retail, then show two customers' histories."""

from __future__ import annotations

from rich.console import Console

from sandbox.settings import Settings
from sandbox.waiting import wait_until

DEMO_LINES = 3000
DEMO_ORDER = 20  # see sandbox/demo.py


def run(settings: Settings, console: Console) -> None:
    from generators import orders as generator
    from pipelines.order_history import app as orders_app
    from pipelines.order_history.cli import print_page

    summary = generator.replay(settings, count=DEMO_LINES, progress=True)
    console.print(summary.render())
    records = list(generator.read_orders(generator.SAMPLE_FILE))[:DEMO_LINES]
    by_customer: dict[str, int] = {}
    for record in records:
        customer = str(record.get("CustomerID") or "")
        if customer.isdigit():
            by_customer[customer] = by_customer.get(customer, 0) + 1
    shown = sorted(by_customer, key=by_customer.get, reverse=True)[:2]
    for customer in shown:
        expected = by_customer[customer]

        def arrived(customer: str = customer, expected: int = expected) -> object:
            try:
                page = orders_app.customer_orders(settings, customer, limit=5)
            except orders_app.NotFound:
                return None
            return page if page.totals.lines >= expected else None

        page = wait_until(arrived, timeout=60, interval=0.5, message=f"customer {customer}'s {expected} order lines in DynamoDB")
        print_page(console, page)
    console.print(
        f"order history: `cadabra orders {shown[0] if shown else 'CUSTOMER'}`, "
        f"{settings.console_url}/orders, {settings.console_url}/api/customers/{shown[0] if shown else 'ID'}/orders",
        highlight=False,
    )
