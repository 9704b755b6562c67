"""The one place that builds a SparkSession for the sandbox's jobs.

In local mode (the embedded stack) every listener Spark opens (driver RPC, block manager, the web
UI) is bound to loopback: Spark binds them to every interface unless told. Under `spark-submit` on a
cluster, the master and addresses come from the submitter and are left alone.
"""

from __future__ import annotations

import os
import sys
from typing import Mapping

from pyspark.sql import SparkSession

LOOPBACK = "127.0.0.1"


def is_local(master: str | None) -> bool:
    return master is None or master.startswith("local")


def build_session(
    app_name: str,
    *,
    master: str | None = None,
    shuffle_partitions: int | None = None,
    conf: Mapping[str, str] | None = None,
) -> SparkSession:
    """A SparkSession for `app_name`; `master` None keeps what spark-submit chose (else local[2]).

    `shuffle_partitions` matters for small streaming batches: Spark's default of 200 makes a
    10-second sliding window cost seconds per micro-batch instead of a fraction of one.
    """
    builder = SparkSession.builder.appName(app_name)
    submitted_master = os.environ.get("MASTER") or _submitted_master()
    chosen = master or submitted_master
    if is_local(chosen):
        # The UI reads SPARK_LOCAL_IP (not a conf key) when it binds; the JVM inherits this environment.
        os.environ["SPARK_LOCAL_IP"] = LOOPBACK
        # Python workers (UDFs, Python data sources) run this interpreter, which has the project's
        # dependencies (pyarrow, boto3), not whatever `python3` is first on PATH.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = (
            builder.master(chosen or "local[2]")
            .config("spark.driver.bindAddress", LOOPBACK)
            .config("spark.driver.host", LOOPBACK)
            .config("spark.ui.showConsoleProgress", "false")
        )
    elif master:
        builder = builder.master(master)
    if shuffle_partitions is not None:
        builder = builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions))
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("WARN")
    return session


def _submitted_master() -> str | None:
    """The master spark-submit passed to this Python process, if any (it sets spark.master in the conf)."""
    if os.environ.get("PYSPARK_GATEWAY_PORT") is None:
        return None
    from pyspark import SparkConf

    return SparkConf().get("spark.master", None)
