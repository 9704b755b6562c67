"""generators.lake: objects as Firehose PurchaseLogs writes them (buffering, names, partitions, bytes)."""

from __future__ import annotations

import gzip
import json
import re
from datetime import datetime, timedelta, timezone

import boto3
from moto import mock_aws

from generators import lake
from generators.orders import encode

T0 = datetime(2011, 3, 4, 9, 59, 30, tzinfo=timezone.utc)


def order(n: int, customer: int | None = 17850) -> dict:
    return {"InvoiceNo": str(536365 + n), "StockCode": "85123A", "Description": "WHITE HANGING HEART",
            "Quantity": 6, "InvoiceDate": "3/4/2011 9:59", "UnitPrice": 2.55, "CustomerID": customer,
            "Country": "United Kingdom", "LineNo": 1}


def test_objects_close_on_the_interval_and_are_named_like_firehose():
    rows = [(T0, order(0)), (T0 + timedelta(seconds=59), order(1)), (T0 + timedelta(seconds=60), order(2, None))]
    objects = list(lake.lake_objects(rows, stream="PurchaseLogs", buffer_seconds=60))
    assert [o.lines for o in objects] == [2, 1]
    first, second = objects
    assert re.fullmatch(
        r"orders/year=2011/month=03/day=04/hour=09/PurchaseLogs-1-2011-03-04-09-59-30-[0-9a-f-]{36}\.gz", first.key)
    assert second.key.startswith("orders/year=2011/month=03/day=04/hour=10/PurchaseLogs-1-2011-03-04-10-00-30-")
    body = gzip.decompress(first.body)
    assert body == encode(order(0)) + encode(order(1))  # the producer's bytes, newline-delimited
    assert [json.loads(line)["InvoiceNo"] for line in body.splitlines()] == ["536365", "536366"]
    assert json.loads(gzip.decompress(second.body))["CustomerID"] is None  # guest lines kept


def test_objects_close_on_the_size_and_time_never_runs_back():
    rows = [(T0, order(n)) for n in range(10)] + [(T0 - timedelta(hours=1), order(10))]
    line = len(encode(order(0)))
    objects = list(lake.lake_objects(rows, buffer_seconds=60, buffer_mb=(3 * line) / lake.MIB))
    assert [o.lines for o in objects] == [3, 3, 3, 2]
    assert all("hour=09" in o.key for o in objects)  # the late row arrives with the previous one


def test_the_same_rows_give_the_same_keys():
    rows = [(T0 + timedelta(minutes=n), order(n)) for n in range(5)]
    first = [o.key for o in lake.lake_objects(rows)]
    assert first == [o.key for o in lake.lake_objects(rows)]
    assert len(set(first)) == 5


@mock_aws
def test_write_lake_puts_every_object():
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="lake")
    rows = [(T0 + timedelta(minutes=n * 30), order(n)) for n in range(6)]
    seen: list[int] = []
    summary = lake.write_lake(s3, "lake", rows, progress=seen.append)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="lake")["Contents"]]
    assert summary.objects == len(keys) == 6 and summary.lines == 6 == sum(seen)
    assert len(summary.partitions) == 4  # hours 09 | 10 (10:29, 10:59) | 11 (11:29, 11:59) | 12
    lake.write_lake(s3, "lake", rows)
    assert len(s3.list_objects_v2(Bucket="lake")["Contents"]) == 6  # reseeding is idempotent
