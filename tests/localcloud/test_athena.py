"""Athena on DuckDB over a crawled lake: results equal the same computation done on the objects."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest

from sandbox import aws
from tests.localcloud.lake_helpers import BUCKET, athena, crawl_lake, lake_records, rows, seed_lake

FRANCE = (Path(__file__).resolve().parents[2] / "sql" / "athena" / "france.sql").read_text()


@pytest.fixture
def lake(localcloud):
    seed_lake(localcloud.settings)
    crawl_lake(localcloud.settings)
    return localcloud.settings


def test_group_by_over_the_lake_equals_python_over_the_objects(lake):
    expected: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for record, _, _ in lake_records(lake):
        expected[record["Country"]][0] += 1
        if isinstance(record["Quantity"], int) and isinstance(record["UnitPrice"], float):
            expected[record["Country"]][1] += record["Quantity"] * record["UnitPrice"]
    query = athena(lake, "SELECT country, count(*) AS n, sum(quantity * unitprice) AS revenue FROM orders GROUP BY country")
    assert query["Status"]["State"] == "SUCCEEDED", query["Status"]
    result = rows(lake, query["QueryExecutionId"], page=7)
    assert result[0] == ["country", "n", "revenue"]
    got = {country: (int(n), float(revenue)) for country, n, revenue in result[1:]}
    assert got.keys() == expected.keys()
    for country, (n, revenue) in expected.items():
        assert got[country][0] == n and got[country][1] == pytest.approx(revenue, rel=1e-9)
    assert query["Statistics"]["DataScannedInBytes"] == sum({k: s for _, k, s in lake_records(lake)}.values())
    meta = aws.client("athena", lake).get_query_results(QueryExecutionId=query["QueryExecutionId"])["ResultSet"]["ResultSetMetadata"]
    assert [c["Type"] for c in meta["ColumnInfo"]] == ["varchar", "bigint", "double"]
    csv = aws.client("s3", lake).get_object(Bucket=BUCKET, Key=f"athena-results/{query['QueryExecutionId']}.csv")["Body"].read().decode()
    assert csv.splitlines()[0] == '"country","n","revenue"' and len(csv.splitlines()) == len(result)


def test_the_france_query_reads_only_its_month_and_matches_the_objects(lake):
    records = lake_records(lake)
    month = records[0][1].split("month=")[1][:2]
    year = records[0][1].split("year=")[1][:4]
    expected = Counter(r["Description"] for r, key, _ in records
                       if r["Country"] == "France" and f"year={year}/month={month}/" in key)
    query = athena(lake, FRANCE, parameters=[f"'{year}'", f"'{month}'"])
    assert query["Status"]["State"] == "SUCCEEDED", query["Status"]
    got = {d: int(n) for d, n in rows(lake, query["QueryExecutionId"])[1:]}
    assert got == dict(expected)
    month_bytes = sum({k: s for _, k, s in records if f"year={year}/month={month}/" in k}.values())
    assert query["Statistics"]["DataScannedInBytes"] == month_bytes


BAD = [
    ("SELEC country FROM orders", "SYNTAX_ERROR"),
    ("SELECT * FROM orderlogs.nope", "TABLE_NOT_FOUND: Table 'awsdatacatalog.orderlogs.nope' does not exist"),
    ("SELECT no_such_column FROM orders", "COLUMN_NOT_FOUND"),
    ("SELECT CAST(description AS integer) FROM orders", "INVALID_CAST_ARGUMENT"),
    ("CREATE TABLE x AS SELECT 1", "NOT_SUPPORTED"),
    ("SELECT ? FROM orders", "INVALID_PARAMETER_USAGE"),
]


def test_bad_queries_end_failed_with_the_reason(lake):
    client = aws.client("athena", lake)
    for sql, reason in BAD:
        query = athena(lake, sql)
        assert query["Status"]["State"] == "FAILED", sql
        assert query["Status"]["StateChangeReason"].startswith(reason), query["Status"]["StateChangeReason"]
        with pytest.raises(client.exceptions.InvalidRequestException):
            client.get_query_results(QueryExecutionId=query["QueryExecutionId"])


def test_a_query_without_an_output_location_is_refused(localcloud):
    client = aws.client("athena", localcloud.settings)
    with pytest.raises(client.exceptions.InvalidRequestException):
        client.start_query_execution(QueryString="SELECT 1")
