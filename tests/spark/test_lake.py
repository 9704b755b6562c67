"""spark_jobs.lake: the pyarrow reader on crafted lake objects (gzip and plain, several partitions,
an empty partition, an empty object, malformed lines) served by localcloud's S3."""

from __future__ import annotations

import gzip
import json

import pytest

from generators.orders import encode
from sandbox import aws
from sandbox.settings import Stack
from spark_jobs import lake

BUCKET = "cadabra-datalake"
HOUR = "orders/year=2011/month=03/day=04/hour={:02d}/"


def record(n: int, **changes) -> dict:
    doc = {"InvoiceNo": str(536365 + n), "StockCode": "85123A", "Description": "WHITE HANGING HEART", "Quantity": 6,
           "InvoiceDate": "3/4/2011 9:59", "UnitPrice": 2.55, "CustomerID": 17850, "Country": "United Kingdom", "LineNo": 1}
    return {**doc, **changes}


def test_reads_partitions_and_skips_what_is_not_an_order(localcloud, isolated_settings, spark):
    s3 = aws.client("s3", isolated_settings)
    s3.create_bucket(Bucket=BUCKET)
    good = encode(record(0)) + encode(record(1, CustomerID=None, UnitPrice=3))
    bad = b"{not json\n" + json.dumps([1, 2]).encode() + b"\n" + encode(record(2, Quantity="six")) + b"\n\n"
    s3.put_object(Bucket=BUCKET, Key=HOUR.format(9) + "PurchaseLogs-1-2011-03-04-09-59-00-a.gz", Body=gzip.compress(good + bad))
    s3.put_object(Bucket=BUCKET, Key=HOUR.format(10) + "PurchaseLogs-1-2011-03-04-10-00-00-b", Body=encode(record(3)))
    s3.put_object(Bucket=BUCKET, Key=HOUR.format(11), Body=b"")  # a folder with nothing in it
    s3.put_object(Bucket=BUCKET, Key=HOUR.format(12) + "PurchaseLogs-1-2011-03-04-12-00-00-c.gz", Body=b"")
    s3.put_object(Bucket=BUCKET, Key="orders-errors/processing-failed/x", Body=b"not an order")

    orders, stats = lake.read_orders(spark, isolated_settings)

    rows = sorted(orders.collect(), key=lambda r: r["InvoiceNo"])
    assert [r["InvoiceNo"] for r in rows] == ["536365", "536366", "536368"]
    assert rows[1]["CustomerID"] is None and rows[1]["UnitPrice"] == 3.0  # guest line kept, int price widened
    assert [(r["year"], r["month"], r["day"], r["hour"]) for r in rows] == [(2011, 3, 4, 9), (2011, 3, 4, 9), (2011, 3, 4, 10)]
    assert (stats.reader, stats.objects, stats.partitions, stats.lines) == ("pyarrow", 2, 2, 3)
    assert stats.bad_lines == 3 and len(stats.bad_examples) == 3
    assert any("Quantity is str" in example for example in stats.bad_examples)
    assert stats.empty_partitions == 2  # hour=11 (a folder marker only) and hour=12 (an empty object only)
    assert stats.empty_objects == 1


def test_a_missing_bucket_names_the_fix(localcloud, isolated_settings, spark):
    with pytest.raises(lake.LakeError, match="cadabra deploy"):
        lake.read_orders(spark, isolated_settings, bucket="no-such-bucket")


def test_the_reader_follows_the_stack(isolated_settings, spark):
    assert lake.choose_reader(isolated_settings, spark) == "pyarrow"
    # the pip-installed pyspark has no hadoop-aws: even on the Docker stack it falls back to pyarrow
    assert lake.choose_reader(isolated_settings.with_stack(Stack.DOCKER), spark) == "pyarrow"
    assert not lake.s3a_available(spark)


@pytest.mark.parametrize("line, reason", [
    (b'{"InvoiceNo": "1"}', "StockCode is missing"),
    (b'{"InvoiceNo": "1", "StockCode": "A", "Quantity": true, "InvoiceDate": "x"}', "Quantity is bool"),
    (b'"text"', "not a JSON object"),
    (b'{"a": ', "not JSON"),
])
def test_parse_line_says_why(line, reason):
    record, why = lake.parse_line(line)
    assert record is None and reason in why
