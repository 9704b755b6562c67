"""One local SparkSession for every Spark test (a session takes ~9 s to start, and `getOrCreate` would
hand a second fixture the same one), moto per module."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def spark():
    from spark_jobs import kinesis_source
    from spark_jobs.session import build_session

    session = build_session("tests", master="local[2]", shuffle_partitions=2,
                            conf={"spark.sql.session.timeZone": "UTC", "spark.ui.enabled": "false"})
    kinesis_source.register(session)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    """moto (no data-plane extensions) in this process on a free port, for the module's tests."""
    from dataclasses import replace

    from moto.moto_api._internal.models import moto_api_backend

    from sandbox.localcloud.server import LocalCloud
    from sandbox.settings import Ports, load
    from tests.conftest import free_port

    settings = replace(load({"CADABRA_STATE_DIR": str(tmp_path_factory.mktemp("state"))}),
                       ports=Ports(aws=free_port(), opensearch=free_port(), postgres=free_port(), console=free_port()))
    moto_api_backend.reset()
    local = LocalCloud(settings, extensions=()).start()
    yield local
    local.stop()
    moto_api_backend.reset()
