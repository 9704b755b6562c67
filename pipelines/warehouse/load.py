"""`cadabra warehouse load`: the star schema in Redshift, rebuilt from the lake in one transaction.

sql/redshift/orders_staging.sql and warehouse_ddl.sql create the tables (IF NOT EXISTS);
warehouse_load.sql empties staging, COPYs the lake into it and rebuilds the dimensions and facts,
all in one BatchExecuteStatement, so a load is all-or-nothing and loading twice gives the same
tables. https://docs.aws.amazon.com/redshift/latest/dg/c_best-practices-use-copy.html
"""

from __future__ import annotations

import time
from typing import Callable

from pipelines.warehouse import app
from sandbox.settings import Settings

TABLES = ("staging_order_lines", "fact_order_line", "dim_customer", "dim_product", "dim_date")


def load(settings: Settings, progress: Callable[[str], None] = lambda message: None) -> str:
    """Create and (re)load the star schema; a one-line summary of what it holds."""
    started = time.monotonic()
    progress("creating the star schema (IF NOT EXISTS)")
    app.redshift(settings, app.redshift_script(settings, "orders_staging") + app.redshift_script(settings, "warehouse_ddl"))
    progress(f"COPY s3://{settings.names.datalake_bucket}/orders/ and rebuilding dimensions and facts")
    app.redshift(settings, app.redshift_script(settings, "warehouse_load"))
    held = ", ".join(f"{name} {n:,}" for name, n in counts(settings).items())
    return f"warehouse loaded in {time.monotonic() - started:.1f} s: {held}"


def counts(settings: Settings) -> dict[str, int]:
    result = app.redshift(settings, " UNION ALL ".join(f"SELECT '{t}' AS name, COUNT(*) AS n FROM {t}" for t in TABLES))
    return {name: n for name, n in result.rows}
