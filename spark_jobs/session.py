"""The one place that builds a SparkSession for the sandbox's jobs.

In local mode (the embedded stack) every listener Spark opens (driver RPC, block manager, the web
UI) is bound to loopback: Spark binds them to every interface unless told. With `master=None`
(under `spark-submit` on a cluster: the Docker stack's Spark master, EMR) the master and addresses
come from the submitter and are left alone.
"""

from __future__ import annotations

import sys
from typing import Mapping

from pyspark.sql import SparkSession

LOOPBACK = "127.0.0.1"


def is_local(master: str | None) -> bool:
    return master is not None and master.startswith("local")


def build_session(
    app_name: str,
    *,
    master: str | None = None,
    shuffle_partitions: int | None = None,
    conf: Mapping[str, str] | None = None,
) -> SparkSession:
    """A SparkSession for `app_name` on `master` (None: whatever spark-submit chose).

    `shuffle_partitions` matters for small streaming batches: Spark's default of 200 makes a
    10-second sliding window cost seconds per micro-batch instead of a fraction of one.
    """
    builder = SparkSession.builder.appName(app_name)
    if master is not None:
        builder = builder.master(master)
    if is_local(master):
        from sandbox.settings import configure_local_spark

        configure_local_spark(sys.executable, LOOPBACK)
        builder = (
            builder.config("spark.driver.bindAddress", LOOPBACK)
            .config("spark.driver.host", LOOPBACK)
            .config("spark.ui.showConsoleProgress", "false")
        )
    if shuffle_partitions is not None:
        builder = builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions))
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("WARN")
    return session
