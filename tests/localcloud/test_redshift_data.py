"""The Redshift Data API on PostgreSQL: round trips, batches, failures, COPY of a lake, Spectrum."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from sandbox import aws
from tests.localcloud.lake_helpers import BUCKET, crawl_lake, lake_records, records, redshift, seed_lake
from tests.localcloud.postgres_fixture import isolated_settings, postgres_port, postgres_server  # noqa: F401 (fixtures)

SQL = Path(__file__).resolve().parents[2] / "sql" / "redshift"


def test_round_trip_with_redshift_ddl_parameters_types_and_listing(localcloud):
    settings = localcloud.settings
    created = redshift(settings, "CREATE TABLE rt (id BIGINT ENCODE az64, name VARCHAR(MAX), price DECIMAL(8,2), ok BOOLEAN) "
                                 "DISTSTYLE KEY DISTKEY(id) COMPOUND SORTKEY(id)")
    assert created["Status"] == "FINISHED", created
    batch = redshift(settings, ["INSERT INTO rt VALUES (1, 'a', 1.50, true)", "INSERT INTO rt VALUES (2, NULL, 2.25, false)"])
    assert batch["Status"] == "FINISHED" and [s["Status"] for s in batch["SubStatements"]] == ["FINISHED", "FINISHED"]
    query = redshift(settings, "SELECT TOP 5 id, NVL(name, 'none') AS name, price, ok FROM rt WHERE id >= :low ORDER BY id", low="1")
    assert query["Status"] == "FINISHED" and query["HasResultSet"] and query["ResultRows"] == 2
    assert records(settings, query["Id"]) == [[1, "a", "1.50", True], [2, "none", "2.25", False]]
    meta = aws.client("redshift-data", settings).get_statement_result(Id=query["Id"])["ColumnMetadata"]
    assert [(m["name"], m["typeName"]) for m in meta] == [("id", "int8"), ("name", "text"), ("price", "numeric"), ("ok", "bool")]
    listed = aws.client("redshift-data", settings).list_statements()["Statements"]
    assert {s["Id"] for s in listed} >= {created["Id"], batch["Id"], query["Id"]}
    assert next(s for s in listed if s["Id"] == batch["Id"])["IsBatchStatement"] is True


def test_the_data_api_runs_what_only_redshift_writes(localcloud):
    """Column DISTKEY/SORTKEY, BACKUP, INTERLEAVED SORTKEY, LISTAGG ... WITHIN GROUP and APPROXIMATE
    COUNT(DISTINCT) reach PostgreSQL translated through the Data API, as through `to_postgres`."""
    settings = localcloud.settings
    created = redshift(settings, "CREATE TABLE only_rs (id INT DISTKEY, name VARCHAR(20) SORTKEY) BACKUP NO "
                                 "INTERLEAVED SORTKEY (id, name)")
    assert created["Status"] == "FINISHED", created
    assert redshift(settings, "INSERT INTO only_rs VALUES (1, 'b'), (2, 'a'), (3, 'a')")["Status"] == "FINISHED"
    query = redshift(settings, "SELECT LISTAGG(name, ',') WITHIN GROUP (ORDER BY name) AS names, "
                               "APPROXIMATE COUNT(DISTINCT name) AS distinct_names FROM only_rs")
    assert query["Status"] == "FINISHED", query
    assert records(settings, query["Id"]) == [["a,a,b", 2]]


def test_failures_carry_the_reason_and_a_failed_batch_commits_nothing(localcloud):
    settings = localcloud.settings
    missing = redshift(settings, "SELECT * FROM no_such_table")
    assert missing["Status"] == "FAILED" and 'relation "no_such_table" does not exist' in missing["Error"]
    syntax = redshift(settings, "SELEC 1")
    assert syntax["Status"] == "FAILED" and "syntax error" in syntax["Error"]
    runtime = redshift(settings, "SELECT 1 / 0")
    assert runtime["Status"] == "FAILED" and "division by zero" in runtime["Error"]
    batch = redshift(settings, ["CREATE TABLE half (a INT)", "INSERT INTO half VALUES ('x')"])
    assert batch["Status"] == "FAILED" and [s["Status"] for s in batch["SubStatements"]] == ["ABORTED", "FAILED"]
    assert redshift(settings, "SELECT * FROM half")["Status"] == "FAILED"
    client = aws.client("redshift-data", settings)
    with pytest.raises(client.exceptions.ValidationException):
        client.execute_statement(ClusterIdentifier="other", Database="dev", Sql="SELECT 1")


def test_copy_of_the_lake_and_the_france_query_through_spectrum(localcloud):
    settings = localcloud.settings
    seed_lake(settings)
    lines = lake_records(settings)
    ddl = (SQL / "orders_staging.sql").read_text()
    assert redshift(settings, ddl)["Status"] == "FINISHED"
    copied = redshift(settings, f"COPY staging_order_lines FROM 's3://{BUCKET}/orders/' "
                                "IAM_ROLE 'arn:aws:iam::000000000000:role/r' FORMAT AS JSON 'auto ignorecase' GZIP")
    assert copied["Status"] == "FINISHED", copied
    assert copied["ResultRows"] == len(lines)
    totals = records(settings, redshift(settings, "SELECT COUNT(*), SUM(quantity), COUNT(DISTINCT invoiceno) FROM staging_order_lines")["Id"])
    assert totals == [[len(lines), sum(r["Quantity"] for r, _, _ in lines), len({r["InvoiceNo"] for r, _, _ in lines})]]

    crawl_lake(settings)
    assert redshift(settings, (SQL / "external_schema.sql").read_text())["Status"] == "FINISHED"
    key = lines[0][1]
    year, month = key.split("year=")[1][:4], key.split("month=")[1][:2]
    france = redshift(settings, (SQL / "france.sql").read_text(), year=year, month=month)
    assert france["Status"] == "FINISHED", france
    expected = Counter(r["Description"] for r, k, _ in lines if r["Country"] == "France" and f"year={year}/month={month}/" in k)
    assert {d: n for d, n in records(settings, france["Id"])} == dict(expected)
    missing = redshift(settings, "SELECT * FROM spectrum.nope")
    assert missing["Status"] == "FAILED" and "no table nope in Data Catalog database orderlogs" in missing["Error"]


def test_copy_failures(localcloud):
    settings = localcloud.settings
    aws.client("s3", settings).create_bucket(Bucket="empty-bucket")
    assert redshift(settings, "CREATE TABLE t1 (a INT)")["Status"] == "FINISHED"
    empty = redshift(settings, "COPY t1 FROM 's3://empty-bucket/none/' IAM_ROLE 'r' JSON 'auto'")
    assert empty["Status"] == "FAILED" and "does not exist" in empty["Error"]
    aws.client("s3", settings).put_object(Bucket="empty-bucket", Key="bad/1.json", Body=b'{"a": "not a number"}\n')
    bad = redshift(settings, "COPY t1 FROM 's3://empty-bucket/bad/' IAM_ROLE 'r' JSON 'auto'")
    assert bad["Status"] == "FAILED" and "invalid input syntax for type integer" in bad["Error"]


def test_copy_skips_lines_that_are_not_json_objects_only_within_maxerror(localcloud):
    settings = localcloud.settings
    s3 = aws.client("s3", settings)
    s3.create_bucket(Bucket="mixed-bucket")
    s3.put_object(Bucket="mixed-bucket", Key="in/1.json", Body=b'{"a": 1}\nnot json\n{"A": 2}\n[3]\n')
    assert redshift(settings, "CREATE TABLE t2 (a INT)")["Status"] == "FINISHED"
    strict = redshift(settings, "COPY t2 FROM 's3://mixed-bucket/in/' IAM_ROLE 'r' JSON 'auto ignorecase'")
    assert strict["Status"] == "FAILED"
    assert "2 line(s) rejected, MAXERROR is 0" in strict["Error"] and "in/1.json line 2: Invalid JSON" in strict["Error"]
    too_few = redshift(settings, "COPY t2 FROM 's3://mixed-bucket/in/' IAM_ROLE 'r' JSON 'auto ignorecase' MAXERROR 1")
    assert too_few["Status"] == "FAILED"
    loaded = redshift(settings, "COPY t2 FROM 's3://mixed-bucket/in/' IAM_ROLE 'r' FORMAT AS JSON 'auto ignorecase' MAXERROR AS 2")
    assert loaded["Status"] == "FINISHED" and loaded["ResultRows"] == 2
    assert records(settings, redshift(settings, "SELECT a FROM t2 ORDER BY a")["Id"]) == [[1], [2]]
