"""The console's Redshift queries run in a READ ONLY transaction: a data-modifying CTE fails, nothing changes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipelines.warehouse import app
from pipelines.warehouse.console import read_only_query
from sandbox.settings import Ports, load
from tests.conftest import free_port
from tests.localcloud.postgres_fixture import postgres_port, with_postgres  # noqa: F401 (fixture)


@pytest.fixture
def isolated_settings(tmp_path, postgres_port):  # noqa: F811 - the localcloud fixture's settings, with PostgreSQL
    base = load({"CADABRA_STATE_DIR": str(tmp_path / "state")})
    return with_postgres(replace(base, ports=Ports(aws=free_port(), opensearch=free_port(), console=free_port())), postgres_port)


def test_a_data_modifying_cte_fails_and_the_rows_stay(localcloud):
    settings = localcloud.settings
    app.redshift(settings, ["DROP TABLE IF EXISTS ro_check", "CREATE TABLE ro_check (id INT) DISTSTYLE ALL",
                            "INSERT INTO ro_check VALUES (1), (2)"])
    with pytest.raises(app.WarehouseError, match="read-only transaction"):
        read_only_query(settings, "WITH gone AS (DELETE FROM ro_check RETURNING id) SELECT count(*) FROM gone", "redshift")
    assert read_only_query(settings, "SELECT count(*) AS n FROM ro_check", "redshift").rows == [[2]]
