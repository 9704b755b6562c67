"""PostgreSQL (the Redshift stand-in) restarted while a COPY runs: the statement ends FAILED with the
server's reason, nothing half-loaded stays, and the same COPY run again loads what a clean run loads.

The COPY is held inside PostgreSQL by a lock another session takes on its table, so the restart
lands during the COPY every time, whatever the machine's speed.
"""

from __future__ import annotations

from pathlib import Path

import psycopg2
import pytest

from sandbox import aws
from sandbox.waiting import wait_until
from tests.localcloud.lake_helpers import BUCKET, lake_records, records, redshift, seed_lake
from tests.localcloud.postgres_fixture import isolated_settings, postgres_port, postgres_server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.timeout(240)

STAGING = Path(__file__).resolve().parents[2] / "sql" / "redshift" / "orders_staging.sql"
COPY = (f"COPY staging_order_lines FROM 's3://{BUCKET}/orders/' IAM_ROLE 'arn:aws:iam::000000000000:role/r' "
        "FORMAT AS JSON 'auto ignorecase' GZIP")


def _copy_waiting_on_lock(cursor) -> bool:
    """The COPY's session waits for the table (its first query reads the table's columns)."""
    cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'staging_order_lines'::regclass")
    return cursor.fetchone()[0] == 1


def test_a_copy_cut_by_a_restart_fails_with_the_reason_and_a_retry_loads_everything(localcloud, postgres_server):  # noqa: F811
    settings = localcloud.settings
    seed_lake(settings)
    expected = len(lake_records(settings))
    assert redshift(settings, STAGING.read_text())["Status"] == "FINISHED"

    blocker = psycopg2.connect(settings.postgres_dsn)
    try:
        cursor = blocker.cursor()
        cursor.execute("LOCK TABLE staging_order_lines IN ACCESS EXCLUSIVE MODE")
        client = aws.client("redshift-data", settings)
        sid = client.execute_statement(ClusterIdentifier="cadabra", Database="dev", DbUser="cadabra", Sql=COPY)["Id"]
        wait_until(lambda: _copy_waiting_on_lock(cursor), timeout=60, message="the COPY to reach PostgreSQL")

        postgres_server.stop()  # pg_ctl stop -m fast: every session is terminated, the COPY's too
        postgres_server.start()
    finally:
        blocker.close()  # a failed wait above must not leave the COPY blocked behind this session's lock

    cut = wait_until(lambda: (d := client.describe_statement(Id=sid))["Status"] in ("FINISHED", "FAILED", "ABORTED") and d,
                     timeout=60, message="the cut COPY to end")
    assert cut["Status"] == "FAILED", cut
    assert "connection to the database was lost" in cut["Error"] and "run it again" in cut["Error"], cut["Error"]
    counted = redshift(settings, "SELECT COUNT(*) FROM staging_order_lines")
    assert records(settings, counted["Id"]) == [[0]]  # the cut transaction left nothing

    again = redshift(settings, COPY)
    assert again["Status"] == "FINISHED", again
    assert again["ResultRows"] == expected
    assert records(settings, redshift(settings, "SELECT COUNT(*) FROM staging_order_lines")["Id"]) == [[expected]]
