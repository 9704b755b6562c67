"""Pipeline 5's step in `make demo`: crawl the lake, the course's query through Athena and through
Redshift Spectrum, then the HTML report."""

from __future__ import annotations

import time

from rich.console import Console

from sandbox.settings import Settings

DEMO_ORDER = 70  # see sandbox/demo.py


def run(settings: Settings, console: Console) -> None:
    from generators import lake
    from pipelines.warehouse import app, dashboard
    from pipelines.warehouse.cli import print_result

    summary = lake.seed(settings)
    console.print(summary.render(), highlight=False)
    done = app.crawl(settings, progress=lambda m: console.print(f"  · {m}", highlight=False))
    console.print(f"crawl {done['last_crawl']['Status']} in {done['metrics']['LastRuntimeSeconds']:.2f} s; tables: "
                  + ", ".join(t["Name"] for t in app.tables(settings)), highlight=False)
    year, month = app.busiest_month(settings)
    for via in ("athena", "redshift"):
        started = time.monotonic()
        result = app.france(settings, year, month, via=via)
        print_result(result, f"France {year}-{month} via {'Athena' if via == 'athena' else 'Redshift Spectrum'} "
                             f"({time.monotonic() - started:.2f} s)", limit=5, console=console)
    path = dashboard.write_report(settings, None)
    console.print(f"warehouse: `cadabra athena \"SELECT ...\"`, `cadabra redshift \"SELECT ...\"`, "
                  f"{settings.console_url}/warehouse, report {path}", highlight=False)
