"""Redshift storage clauses and functions that sqlglot alone leaves unreadable for PostgreSQL."""

from __future__ import annotations

import pytest

from sandbox.localcloud.redshift_data.translate import to_postgres


@pytest.mark.parametrize("redshift, postgres", [
    ("CREATE TABLE t (id INT ENCODE az64 DISTKEY SORTKEY, s VARCHAR(10))", "CREATE TABLE t (id INT, s VARCHAR(10))"),
    ("CREATE TABLE t (id INT, ts TIMESTAMP) DISTSTYLE KEY DISTKEY(id) INTERLEAVED SORTKEY(id, ts)",
     "CREATE TABLE t (id INT, ts TIMESTAMP)"),
    ("CREATE TABLE IF NOT EXISTS t (id INT) COMPOUND SORTKEY(id)", "CREATE TABLE IF NOT EXISTS t (id INT)"),
    ("CREATE TABLE t (id INT) BACKUP NO ENCODE AUTO SORTKEY AUTO DISTSTYLE AUTO", "CREATE TABLE t (id INT)"),
    ("CREATE TABLE t DISTSTYLE ALL AS SELECT 1 AS a", "CREATE TABLE t AS SELECT 1 AS a"),
    # words that start a column definition are column names, and strings are never touched
    ("CREATE TEMP TABLE t (encode INT, sortkey INT, backup VARCHAR(3) DEFAULT 'DISTKEY(x)')",
     "CREATE TEMPORARY TABLE t (encode INT, sortkey INT, backup VARCHAR(3) DEFAULT 'DISTKEY(x)')"),
    ("SELECT LISTAGG(name, ',') WITHIN GROUP (ORDER BY name DESC) FROM t",
     "SELECT STRING_AGG(name, ',' ORDER BY name DESC) FROM t"),
    ("SELECT APPROXIMATE COUNT(DISTINCT a) FROM t", "SELECT COUNT(DISTINCT a) FROM t"),
    ("SELECT 'SORTKEY' AS distkey FROM t", "SELECT 'SORTKEY' AS distkey FROM t"),
])
def test_redshift_only_sql(redshift, postgres):
    assert to_postgres(redshift) == postgres
