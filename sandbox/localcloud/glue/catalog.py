"""Writing what a crawl found into the Data Catalog, through the Glue API (tables, then partitions).

Table and partition definitions follow what a Glue crawler writes
(https://docs.aws.amazon.com/glue/latest/dg/tables-described.html): an EXTERNAL_TABLE with the
format's SerDe, ``classification``/``compressionType``/``recordCount`` parameters and string
partition keys; existing tables are updated per the crawler's SchemaChangePolicy
(UPDATE_IN_DATABASE or LOG), partitions that already exist are left alone.

Known gaps: DeleteBehavior is not applied (tables whose data went away stay in the catalog);
partition-level schemas are the table's.
"""

from __future__ import annotations

import re

from typing import Any

from botocore.exceptions import ClientError

from sandbox.localcloud.glue.discovery import TableLayout
from sandbox.localcloud.glue.infer import NULL, Inferred

_NESTED_NULL = re.compile(rf"(?:(?<=[:<])|^){NULL}(?=[,>]|$)")

FORMATS: dict[str, dict[str, Any]] = {
    "json": {
        "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe", "Parameters": {"paths": ""}},
    },
    "csv": {
        "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                      "Parameters": {"field.delim": ","}},
    },
    "parquet": {
        "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
                      "Parameters": {"serialization.format": "1"}},
    },
}
BATCH = 100  # BatchCreatePartition takes at most 100 partitions


def _error(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


def columns(found: Inferred) -> list[dict[str, str]]:
    """The catalog's columns: lower-case names, as Glue stores them (the first of clashing names wins)."""
    out: dict[str, str] = {}
    for name, kind in found.columns.items():
        out.setdefault(name.lower(), _NESTED_NULL.sub("string", kind))  # null-only (also inside a struct): string
    return [{"Name": name, "Type": kind} for name, kind in out.items()]


def storage(layout: TableLayout, found: Inferred, location: str) -> dict[str, Any]:
    fmt = FORMATS[found.classification]
    params = {"classification": found.classification, "typeOfData": "file"}
    if found.compression:
        params["compressionType"] = found.compression
    serde = {k: (dict(v) if isinstance(v, dict) else v) for k, v in fmt["SerdeInfo"].items()}
    if found.classification == "json":
        serde["Parameters"] = {"paths": ",".join(found.columns)}
    if found.csv_header:
        params["skip.header.line.count"] = "1"
    return {
        "Columns": columns(found),
        "Location": location,
        "InputFormat": fmt["InputFormat"],
        "OutputFormat": fmt["OutputFormat"],
        "Compressed": bool(found.compression),
        "NumberOfBuckets": -1,
        "SerdeInfo": serde,
        "Parameters": params,
        "StoredAsSubDirectories": False,
    }


def table_input(layout: TableLayout, found: Inferred, crawler: str) -> dict[str, Any]:
    objects = layout.objects
    params = {
        "classification": found.classification,
        "typeOfData": "file",
        "recordCount": str(found.records),
        "objectCount": str(len(objects)),
        "sizeKey": str(sum(o.size for o in objects)),
        "averageRecordSize": str(found.sample_bytes // found.records if found.records else 0),
        "UPDATED_BY_CRAWLER": crawler,
        "CrawlerSchemaSerializerVersion": "1.0",
        "CrawlerSchemaDeserializerVersion": "1.0",
    }
    if found.compression:
        params["compressionType"] = found.compression
    return {
        "Name": layout.name,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": params,
        "PartitionKeys": [{"Name": key, "Type": "string"} for key in layout.partition_keys],
        "StorageDescriptor": storage(layout, found, layout.location),
    }


def write_table(glue: Any, database: str, layout: TableLayout, found: Inferred, crawler: str,
                update_behavior: str = "UPDATE_IN_DATABASE") -> str:
    """Create or update the table and add its new partitions; returns created | updated | unchanged."""
    wanted = table_input(layout, found, crawler)
    try:
        existing = glue.get_table(DatabaseName=database, Name=layout.name)["Table"]
    except ClientError as exc:
        if _error(exc) != "EntityNotFoundException":
            raise
        glue.create_table(DatabaseName=database, TableInput=wanted)
        outcome = "created"
    else:
        same = (existing.get("StorageDescriptor", {}).get("Columns") == wanted["StorageDescriptor"]["Columns"]
                and existing.get("PartitionKeys", []) == wanted["PartitionKeys"])
        if same or update_behavior == "LOG":
            outcome = "unchanged"
        else:
            glue.update_table(DatabaseName=database, TableInput=wanted)
            outcome = "updated"
    if layout.partition_keys:
        _add_partitions(glue, database, layout, found)
    return outcome


def _add_partitions(glue: Any, database: str, layout: TableLayout, found: Inferred) -> None:
    known: set[tuple[str, ...]] = set()
    for page in glue.get_paginator("get_partitions").paginate(DatabaseName=database, TableName=layout.name):
        known.update(tuple(p["Values"]) for p in page["Partitions"])
    new = [values for values in layout.partitions if values not in known]
    for start in range(0, len(new), BATCH):
        batch = [{"Values": list(values), "StorageDescriptor": storage(layout, found, layout.partition_location(values)),
                  "Parameters": {}} for values in new[start:start + BATCH]]
        answer = glue.batch_create_partition(DatabaseName=database, TableName=layout.name, PartitionInputList=batch)
        failed = [e for e in answer.get("Errors", []) if e.get("ErrorDetail", {}).get("ErrorCode") != "AlreadyExistsException"]
        if failed:
            raise RuntimeError(f"BatchCreatePartition failed for {len(failed)} partitions of {layout.name}: {failed[0]}")


def ensure_database(glue: Any, database: str) -> None:
    try:
        glue.get_database(Name=database)
    except ClientError as exc:
        if _error(exc) != "EntityNotFoundException":
            raise
        glue.create_database(DatabaseInput={"Name": database})
