"""The console's Redshift queries run in a READ ONLY transaction: a data-modifying CTE fails, nothing changes."""

from __future__ import annotations

import pytest

from pipelines.warehouse import app
from pipelines.warehouse.console import read_only_query
from tests.localcloud.postgres_fixture import isolated_settings, postgres_port, postgres_server  # noqa: F401 (fixtures)


def test_a_data_modifying_cte_fails_and_the_rows_stay(localcloud):
    settings = localcloud.settings
    app.redshift(settings, ["DROP TABLE IF EXISTS ro_check", "CREATE TABLE ro_check (id INT) DISTSTYLE ALL",
                            "INSERT INTO ro_check VALUES (1), (2)"])
    with pytest.raises(app.WarehouseError, match="read-only transaction"):
        read_only_query(settings, "WITH gone AS (DELETE FROM ro_check RETURNING id) SELECT count(*) FROM gone", "redshift")
    assert read_only_query(settings, "SELECT count(*) AS n FROM ro_check", "redshift").rows == [[2]]
