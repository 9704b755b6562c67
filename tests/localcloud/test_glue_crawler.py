"""Glue crawlers on crafted S3 layouts: tables, columns, partitions, exclusions, broken lines, state."""

from __future__ import annotations

import gzip
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sandbox import aws
from sandbox.localcloud.glue.discovery import S3Object, discover, glob_matcher
from sandbox.localcloud.glue.infer import infer_object, widen
from sandbox.waiting import wait_until

BUCKET = "crawl-bucket"


def lines(*records) -> bytes:
    return gzip.compress("".join(json.dumps(r) + "\n" for r in records).encode())


@pytest.fixture
def lake(localcloud):
    s3 = aws.client("s3", localcloud.settings)
    s3.create_bucket(Bucket=BUCKET)
    return localcloud.settings, s3


def crawl(settings, path: str, exclusions=(), name="c1", database="db1") -> dict:
    glue = aws.client("glue", settings)
    glue.create_crawler(Name=name, Role="arn:aws:iam::000000000000:role/glue", DatabaseName=database,
                        Targets={"S3Targets": [{"Path": path, "Exclusions": list(exclusions)}]})
    glue.start_crawler(Name=name)
    wait_until(lambda: glue.get_crawler(Name=name)["Crawler"]["State"] == "READY", timeout=30, message="crawl end")
    return glue.get_crawler(Name=name)["Crawler"]


def tables(settings, database="db1") -> dict[str, dict]:
    glue = aws.client("glue", settings)
    return {t["Name"]: t for t in glue.get_tables(DatabaseName=database)["TableList"]}


def partitions(settings, table, database="db1") -> set[tuple[str, ...]]:
    glue = aws.client("glue", settings)
    return {tuple(p["Values"]) for p in glue.get_partitions(DatabaseName=database, TableName=table)["Partitions"]}


def test_hive_partitions_with_exclusions_make_one_partitioned_table(lake):
    settings, s3 = lake
    s3.put_object(Bucket=BUCKET, Key="orders/year=2011/month=12/day=09/hour=12/a.gz",
                  Body=lines({"InvoiceNo": "536365", "Quantity": 6, "UnitPrice": 2.55}))
    s3.put_object(Bucket=BUCKET, Key="orders/year=2011/month=12/day=09/hour=13/b.gz",
                  Body=lines({"InvoiceNo": "536366", "Quantity": 2, "UnitPrice": 3, "Country": "France"}))
    s3.put_object(Bucket=BUCKET, Key="es/failed/x.gz", Body=lines({"other": True}))
    crawler = crawl(settings, f"s3://{BUCKET}/", exclusions=["es/**"])
    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED"
    found = tables(settings)
    assert set(found) == {"orders"}
    orders = found["orders"]
    assert [k["Name"] for k in orders["PartitionKeys"]] == ["year", "month", "day", "hour"]
    columns = {c["Name"]: c["Type"] for c in orders["StorageDescriptor"]["Columns"]}
    assert columns == {"invoiceno": "string", "quantity": "bigint", "unitprice": "double", "country": "string"}
    assert orders["StorageDescriptor"]["Location"] == f"s3://{BUCKET}/orders/"
    assert orders["Parameters"]["classification"] == "json" and orders["Parameters"]["compressionType"] == "gzip"
    assert partitions(settings, "orders") == {("2011", "12", "09", "12"), ("2011", "12", "09", "13")}
    metrics = aws.client("glue", settings).get_crawler_metrics(CrawlerNameList=["c1"])["CrawlerMetricsList"][0]
    assert metrics["TablesCreated"] == 1 and metrics["LastRuntimeSeconds"] > 0


def test_plain_date_paths_become_partition_0_to_3_and_a_recrawl_adds_partitions(lake):
    settings, s3 = lake
    s3.put_object(Bucket=BUCKET, Key="logs/2011/12/09/12/a.gz", Body=lines({"a": 1}))
    crawl(settings, f"s3://{BUCKET}/logs/")
    logs = tables(settings)["logs"]
    assert [k["Name"] for k in logs["PartitionKeys"]] == ["partition_0", "partition_1", "partition_2", "partition_3"]
    s3.put_object(Bucket=BUCKET, Key="logs/2011/12/10/01/b.gz", Body=lines({"a": 2, "b": "x"}))
    glue = aws.client("glue", settings)
    glue.start_crawler(Name="c1")
    wait_until(lambda: glue.get_crawler(Name="c1")["Crawler"]["State"] == "READY", timeout=30, message="recrawl")
    assert partitions(settings, "logs") == {("2011", "12", "09", "12"), ("2011", "12", "10", "01")}
    assert [c["Name"] for c in tables(settings)["logs"]["StorageDescriptor"]["Columns"]] == ["a", "b"]
    assert glue.get_crawler_metrics(CrawlerNameList=["c1"])["CrawlerMetricsList"][0]["TablesUpdated"] == 1


def test_unpartitioned_folders_are_tables_mixed_types_widen_and_broken_lines_are_reported(lake, localcloud):
    settings, s3 = lake
    s3.put_object(Bucket=BUCKET, Key="data/clicks/1.json", Body=b'{"n": 1, "v": 1}\n{"n": 2, "v": 2.5}\nnot json\n')
    s3.put_object(Bucket=BUCKET, Key="data/clicks/2.json", Body=b'{"n": "three", "tags": ["a"]}\n')
    table = pa.table({"id": [1, 2], "price": [1.5, 2.0]})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    s3.put_object(Bucket=BUCKET, Key="data/items/part-0.parquet", Body=buffer.getvalue())
    s3.put_object(Bucket=BUCKET, Key="data/items/_SUCCESS", Body=b"x")
    crawl(settings, f"s3://{BUCKET}/data/")
    found = tables(settings)
    assert set(found) == {"clicks", "items"}
    clicks = {c["Name"]: c["Type"] for c in found["clicks"]["StorageDescriptor"]["Columns"]}
    assert clicks == {"n": "string", "v": "double", "tags": "array<string>"}
    assert found["clicks"]["PartitionKeys"] == []
    assert found["items"]["Parameters"]["classification"] == "parquet"
    [row] = [r for r in localcloud.runtime.extensions["glue"].describe() if r["crawler"] == "c1"]
    assert row["broken_lines"] == 1 and "data/clicks/1.json line 3" in row["broken"][0]
    events = aws.client("logs", settings).get_log_events(logGroupName="/aws-glue/crawlers", logStreamName="c1")["events"]
    assert any("Could not parse" in e["message"] for e in events)


def test_state_errors_and_a_missing_crawler(lake):
    settings, _ = lake
    glue = aws.client("glue", settings)
    with pytest.raises(glue.exceptions.EntityNotFoundException):
        glue.start_crawler(Name="nope")
    glue.create_crawler(Name="idle", Role="r", DatabaseName="db1", Targets={"S3Targets": [{"Path": f"s3://{BUCKET}/"}]})
    assert glue.get_crawler(Name="idle")["Crawler"]["State"] == "READY"
    with pytest.raises(glue.exceptions.CrawlerNotRunningException):
        glue.stop_crawler(Name="idle")
    glue.update_crawler(Name="idle", Targets={"S3Targets": [{"Path": f"s3://{BUCKET}/x/", "SampleSize": 2}]})
    updated = glue.get_crawler(Name="idle")["Crawler"]
    assert updated["Targets"]["S3Targets"] == [{"Path": f"s3://{BUCKET}/x/", "SampleSize": 2}] and updated["Version"] == 2


def test_a_crawl_of_a_missing_bucket_fails_with_the_reason(localcloud):
    glue = aws.client("glue", localcloud.settings)
    glue.create_crawler(Name="c9", Role="r", DatabaseName="db9", Targets={"S3Targets": [{"Path": "s3://no-such-bucket/x/"}]})
    glue.start_crawler(Name="c9")
    wait_until(lambda: glue.get_crawler(Name="c9")["Crawler"]["State"] == "READY", timeout=30, message="crawl end")
    last = glue.get_crawler(Name="c9")["Crawler"]["LastCrawl"]
    assert last["Status"] == "FAILED" and "NoSuchBucket" in last["ErrorMessage"]


# -- pure pieces ---------------------------------------------------------------------------------
def test_exclusion_globs_follow_glue():
    excluded = glob_matcher(["es/**", "*.tmp", "logs/{a,b}/*"])
    assert excluded("es/failed/2011/x.gz") and excluded("x.tmp") and excluded("logs/a/1")
    assert not excluded("orders/x.gz") and not excluded("dir/x.tmp") and not excluded("logs/c/1")


def test_first_level_folders_that_are_not_partitions_are_separate_tables():
    objects = [S3Object("orders/year=2011/a.gz", 1), S3Object("orders-errors/x/year=2011/b.gz", 1)]
    layouts = discover("b", "", objects)
    assert [(t.name, t.partition_keys) for t in layouts] == [("orders", ["year"]), ("orders_errors", ["partition_0", "year"])]


def test_widening():
    assert widen("bigint", "double") == "double"
    assert widen("struct<a:bigint>", "struct<b:string>") == "struct<a:bigint,b:string>"
    assert widen("boolean", "bigint") == "string"
    assert infer_object("k", b"a,b\n1,x\n").columns == {"a": "bigint", "b": "string"}
    nulls_first = infer_object("k1", b'{"c": null, "d": 1}\n').merge(infer_object("k2", b'{"c": 17850, "d": 2}\n'))
    assert nulls_first.columns == {"c": "bigint", "d": "bigint"}


def test_null_only_columns_and_struct_fields_take_the_other_objects_types():
    from sandbox.localcloud.glue.catalog import columns

    guests = infer_object("a.gz", lines({"CustomerID": None, "Tags": {"x": None}}))
    assert columns(guests) == [{"Name": "customerid", "Type": "string"}, {"Name": "tags", "Type": "struct<x:string>"}]
    merged = guests.merge(infer_object("b.gz", lines({"CustomerID": 17850, "Tags": {"x": 1}})))
    assert columns(merged) == [{"Name": "customerid", "Type": "bigint"}, {"Name": "tags", "Type": "struct<x:bigint>"}]


def test_struct_fields_with_parameterised_types_widen_field_by_field():
    """A Parquet decimal inside a struct (`decimal(10,2)`) keeps its comma: fields split where Glue's do."""
    assert widen("struct<a:decimal(10,2),b:bigint>", "struct<b:double,c:string>") == \
        "struct<a:decimal(10,2),b:double,c:string>"
