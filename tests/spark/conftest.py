"""One local SparkSession per test module (a session takes ~9 s to start)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def spark():
    from spark_jobs import kinesis_source
    from spark_jobs.session import build_session

    session = build_session("tests", master="local[2]", shuffle_partitions=2,
                            conf={"spark.sql.session.timeZone": "UTC", "spark.ui.enabled": "false"})
    kinesis_source.register(session)
    yield session
    session.stop()
