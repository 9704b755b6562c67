"""A small lake as Firehose writes it (generators/lake.py over the shipped sample), crawled into the catalog."""

from __future__ import annotations

import gzip
import itertools
import json
from typing import Any

from generators.lake import invoice_time, write_lake
from generators.orders import SAMPLE_FILE, read_orders
from sandbox import aws
from sandbox.settings import Settings
from sandbox.waiting import wait_until

BUCKET = "cadabra-datalake"
DATABASE = "orderlogs"


def seed_lake(settings: Settings, lines: int = 3000) -> None:
    s3 = aws.client("s3", settings)
    s3.create_bucket(Bucket=BUCKET)
    rows = ((invoice_time(r), r) for r in itertools.islice(read_orders(SAMPLE_FILE), lines))
    write_lake(s3, BUCKET, rows)
    s3.put_object(Bucket=BUCKET, Key="es/failed/2011/x.gz", Body=gzip.compress(b'{"not": "an order"}\n'))


def crawl_lake(settings: Settings, name: str = "orders-crawler") -> None:
    glue = aws.client("glue", settings)
    glue.create_crawler(Name=name, Role="arn:aws:iam::000000000000:role/glue", DatabaseName=DATABASE,
                        Targets={"S3Targets": [{"Path": f"s3://{BUCKET}/", "Exclusions": ["es/**"]}]})
    glue.start_crawler(Name=name)
    wait_until(lambda: glue.get_crawler(Name=name)["Crawler"]["State"] == "READY", timeout=60, message="crawl")
    assert glue.get_crawler(Name=name)["Crawler"]["LastCrawl"]["Status"] == "SUCCEEDED"


def lake_records(settings: Settings, prefix: str = "orders/") -> list[tuple[dict[str, Any], str, int]]:
    """(record, key, object size) for every JSON object line, read straight from the objects. A shared
    stack's lake also holds what other tests sent (garbage, pipeline 3's marker) as Firehose copied it:
    lines that are not JSON objects are left out, as the catalog reader and COPY's MAXERROR leave them."""
    s3 = aws.client("s3", settings)
    bucket = settings.names.datalake_bucket
    out = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            body = gzip.decompress(s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read())
            out.extend((record, obj["Key"], obj["Size"]) for record in map(_object_or_none, body.splitlines()) if record)
    return out


def _object_or_none(line: bytes) -> dict[str, Any] | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def athena(settings: Settings, sql: str, *, parameters: list[str] | None = None, wait: bool = True) -> dict[str, Any]:
    """Start a query (context database orderlogs) and return its final GetQueryExecution document."""
    client = aws.client("athena", settings)
    extra = {"ExecutionParameters": parameters} if parameters else {}
    qid = client.start_query_execution(QueryString=sql, QueryExecutionContext={"Database": DATABASE},
                                       ResultConfiguration={"OutputLocation": f"s3://{BUCKET}/athena-results/"}, **extra)["QueryExecutionId"]
    final = {"SUCCEEDED", "FAILED", "CANCELLED"}
    return wait_until(lambda: (q := client.get_query_execution(QueryExecutionId=qid)["QueryExecution"])["Status"]["State"] in final and q,
                      timeout=60, message=f"query {qid}")


def rows(settings: Settings, qid: str, page: int = 1000) -> list[list[str | None]]:
    client = aws.client("athena", settings)
    out, token = [], None
    while True:
        answer = client.get_query_results(QueryExecutionId=qid, MaxResults=page, **({"NextToken": token} if token else {}))
        out.extend([d.get("VarCharValue") for d in r["Data"]] for r in answer["ResultSet"]["Rows"])
        token = answer.get("NextToken")
        if not token:
            return out


def redshift(settings: Settings, sql: str | list[str], **parameters: str) -> dict[str, Any]:
    """Run SQL through the Data API on the stack's cluster; the final DescribeStatement document."""
    client = aws.client("redshift-data", settings)
    extra: dict[str, Any] = {"Parameters": [{"name": k, "value": v} for k, v in parameters.items()]} if parameters else {}
    if isinstance(sql, list):
        sid = client.batch_execute_statement(ClusterIdentifier="cadabra", Database="dev", DbUser="cadabra", Sqls=sql)["Id"]
    else:
        sid = client.execute_statement(ClusterIdentifier="cadabra", Database="dev", DbUser="cadabra", Sql=sql, **extra)["Id"]
    return wait_until(lambda: (d := client.describe_statement(Id=sid))["Status"] in ("FINISHED", "FAILED", "ABORTED") and d,
                      timeout=60, message=f"statement {sid}")


def records(settings: Settings, statement_id: str) -> list[list[Any]]:
    client = aws.client("redshift-data", settings)
    out, token = [], None
    while True:
        page = client.get_statement_result(Id=statement_id, **({"NextToken": token} if token else {}))
        out.extend([None if f.get("isNull") else next(iter(f.values())) for f in row] for row in page["Records"])
        token = page.get("NextToken")
        if not token:
            return out
