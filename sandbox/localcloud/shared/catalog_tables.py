"""A Data Catalog table's rows as a pyarrow table: what Athena (DuckDB) and Redshift Spectrum scan.

Reads the table definition and partitions through the Glue API and the objects with the runtime's
S3 reader (shared/s3_objects.py: in-process from moto on the embedded stack, the S3 API beside
LocalStack), the way Athena reads a
Hive table (https://docs.aws.amazon.com/athena/latest/ug/creating-tables.html): every object under
the table's (or the chosen partitions') location, parsed with the table's SerDe and columns.
JSON keys match columns case-insensitively (Hive's JSON SerDe); a value of the wrong type reads as
NULL and a line that is not JSON is skipped, counted in ``Scan.skipped_lines``. Partition values
become string columns. Parsed objects are cached by (bucket, key, ETag, columns): a second query
reads only new or changed objects; the assembled rows of the last few scans are kept too, keyed by
every (key, ETag, partition) they hold, so a scan of unchanged objects costs a listing.

Known gaps: SerDes other than the JSON SerDes, LazySimpleSerDe/OpenCSVSerde (CSV) and Parquet are
read as JSON; no partition projection; ``skip.header.line.count`` other than 0 or 1 is read as 1.
"""

from __future__ import annotations

import gzip
import io
import json
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq
from botocore.exceptions import ClientError

from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.shared.glue_types import arrow_type, coerce
from sandbox.localcloud.shared.s3_objects import ApiObjects, ObjectEntry

READERS = 8
SCANS_KEPT = 4  # assembled scans kept (each as large as the rows it holds)


class TableNotFound(LookupError):
    pass


@dataclass(frozen=True)
class Partition:
    values: tuple[str, ...]
    location: str


@dataclass
class CatalogTable:
    database: str
    name: str
    location: str
    columns: list[tuple[str, str]]  # (name, Glue type), lower-cased names as Athena sees them
    partition_keys: list[str]
    serde: str
    serde_parameters: dict[str, str]
    parameters: dict[str, str]
    partitions: list[Partition] = field(default_factory=list)

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([(name, arrow_type(kind)) for name, kind in self.columns])

    @property
    def format(self) -> str:
        serde = self.serde.lower()
        if "parquet" in serde:
            return "parquet"
        if "lazysimple" in serde or "opencsv" in serde or self.parameters.get("classification") == "csv":
            return "csv"
        return "json"


def get_table(glue: Any, database: str, name: str, in_process_account: str | None = None) -> CatalogTable:
    """The catalog's definition of database.name with its partitions (TableNotFound if absent).

    `in_process_account`: this process's moto serves the catalog for that account; the partitions
    are then read from it (GetPartitions of thousands of partitions costs seconds over HTTP)."""
    try:
        raw = glue.get_table(DatabaseName=database, Name=name)["Table"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "EntityNotFoundException":
            raise TableNotFound(f"Table '{database}.{name}' does not exist") from None
        raise
    sd = raw.get("StorageDescriptor") or {}
    serde = sd.get("SerdeInfo") or {}
    table = CatalogTable(
        database=database, name=raw["Name"], location=_folder(sd.get("Location", "")),
        columns=[(c["Name"].lower(), c["Type"]) for c in sd.get("Columns", [])],
        partition_keys=[k["Name"].lower() for k in raw.get("PartitionKeys", [])],
        serde=serde.get("SerializationLibrary", ""), serde_parameters=serde.get("Parameters") or {},
        parameters={**(sd.get("Parameters") or {}), **(raw.get("Parameters") or {})},
    )
    found = (seam.glue_partitions(in_process_account, glue.meta.region_name, database, raw["Name"])
             if in_process_account and table.partition_keys else None)
    if found is not None:
        table.partitions = [Partition(tuple(values), _folder(location)) for values, location in found]
    elif table.partition_keys:
        for page in glue.get_paginator("get_partitions").paginate(DatabaseName=database, TableName=name):
            table.partitions.extend(Partition(tuple(p["Values"]), _folder(p["StorageDescriptor"]["Location"]))
                                    for p in page["Partitions"])
    return table


def _owner(key: str, by_location: dict[str, tuple[str, ...]], root: str) -> tuple[str, ...] | None:
    """The partition values of the closest partition folder holding `key` (None: in no chosen partition)."""
    folder = key.rsplit("/", 1)[0] + "/" if "/" in key else ""
    while True:
        if folder in by_location:
            return by_location[folder]
        if not folder or len(folder) <= len(root):
            return None
        folder = folder[:-1].rsplit("/", 1)[0] + "/" if "/" in folder[:-1] else ""


def _folder(location: str) -> str:
    return location if location.endswith("/") else location + "/"


def split_s3_url(location: str) -> tuple[str, str]:
    """`s3://bucket/key/prefix` (or `s3a://`) as (bucket, key)."""
    bucket, _, prefix = location.removeprefix("s3://").removeprefix("s3a://").partition("/")
    return bucket, prefix


@dataclass
class Scan:
    """What a scan read: the rows, the bytes of the objects and the lines it had to skip."""

    table: pa.Table
    bytes_scanned: int = 0
    objects: int = 0
    skipped_lines: int = 0
    keys: list[tuple[str, str]] = field(default_factory=list)  # (key, ETag) of every object read


class TableReader:
    """Reads catalog tables from S3, keeping each parsed object (by ETag) for the next scan."""

    def __init__(self, objects: ApiObjects) -> None:
        self._objects = objects
        self._cache: dict[tuple[str, str, str, str], tuple[pa.Table, int]] = {}
        self._scans: OrderedDict[tuple[Any, ...], tuple[pa.Table, int]] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
            self._scans.clear()

    def table(self, glue: Any, database: str, name: str) -> CatalogTable:
        """`get_table`, the partitions read in-process when the objects are (the embedded stack, whose
        moto serves S3 and the catalog alike)."""
        account = getattr(self._objects, "account_id", None) if self._objects.in_process else None
        return get_table(glue, database, name, in_process_account=account)

    def scan(self, table: CatalogTable, partitions: list[Partition] | None = None) -> Scan:
        """Rows of `table` (of `partitions` only, when given), partition keys as string columns."""
        chosen = table.partitions if partitions is None else partitions
        locations = [(p.location, p.values) for p in chosen] if table.partition_keys else [(table.location, ())]
        bucket, prefix = split_s3_url(table.location)
        listed: list[ObjectEntry] = []
        roots = {prefix} if not table.partition_keys or len(chosen) > 20 else {split_s3_url(loc)[1] for loc, _ in locations}
        for root in roots:
            listed.extend(self._objects.list(bucket, root))
        by_location = {split_s3_url(loc)[1]: values for loc, values in locations}
        work: list[tuple[ObjectEntry, tuple[str, ...]]] = []
        for obj in listed:
            name = obj.key.rsplit("/", 1)[-1]
            if obj.key.endswith("/") or not name or name[0] in "_." or obj.size == 0:
                continue
            values = _owner(obj.key, by_location, prefix)
            if values is not None:
                work.append((obj, values))
        schema = table.schema
        signature = json.dumps(table.columns) + table.format
        rows, skipped = self._assembled(bucket, table, schema, signature, work)
        return Scan(rows, sum(obj.size for obj, _ in work), len(work), skipped,
                    sorted((obj.key, obj.etag) for obj, _ in work))

    def _assembled(self, bucket: str, table: CatalogTable, schema: pa.Schema, signature: str,
                   work: list[tuple[ObjectEntry, tuple[str, ...]]]) -> tuple[pa.Table, int]:
        """The rows of `work`'s objects with their partition columns (kept for a scan of the same objects)."""
        identity = (bucket, signature, tuple(table.partition_keys), tuple((obj.key, obj.etag, values) for obj, values in work))
        with self._lock:
            kept = self._scans.get(identity)
            if kept is not None:
                self._scans.move_to_end(identity)
                return kept
        with ThreadPoolExecutor(READERS, thread_name_prefix="catalog-read") as pool:
            parts = list(pool.map(lambda item: self._object(bucket, item[0], table, schema, signature), work))
        skipped = sum(bad for _, bad in parts)
        full = pa.schema(list(schema) + [pa.field(k, pa.string()) for k in table.partition_keys])
        if not parts:
            rows = full.empty_table()
        else:
            rows = pa.concat_tables([piece for piece, _ in parts]).combine_chunks()
            owner = np.repeat(np.arange(len(parts)), [piece.num_rows for piece, _ in parts])  # object of each row
            for index, key in enumerate(table.partition_keys):
                per_object = pa.array([values[index] for _, values in work], pa.string())
                rows = rows.append_column(key, per_object.take(pa.array(owner)))
        with self._lock:
            self._scans[identity] = (rows, skipped)
            while len(self._scans) > SCANS_KEPT:
                self._scans.popitem(last=False)
        return rows, skipped

    def _object(self, bucket: str, obj: ObjectEntry, table: CatalogTable, schema: pa.Schema, signature: str) -> tuple[pa.Table, int]:
        key = (bucket, obj.key, obj.etag, signature)
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None:
            return hit
        body = self._objects.read(bucket, obj.key)
        if body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        parsed = parse(body, table, schema)
        with self._lock:
            self._cache[key] = parsed
        return parsed


class TableReaders:
    """One TableReader per region, made on first use from `objects` (region -> S3 object reader)."""

    def __init__(self, objects: Any) -> None:
        self._objects = objects
        self._readers: dict[str, TableReader] = {}
        self._lock = threading.Lock()

    def get(self, region: str) -> TableReader:
        with self._lock:
            if region not in self._readers:
                self._readers[region] = TableReader(self._objects(region))
            return self._readers[region]

    def clear(self) -> None:
        """moto's state was reset: no parsed object is kept."""
        with self._lock:
            readers = list(self._readers.values())
        for reader in readers:
            reader.clear()


def parse(body: bytes, table: CatalogTable, schema: pa.Schema) -> tuple[pa.Table, int]:
    """One object's rows as `schema` and the number of lines that could not be read."""
    if table.format == "parquet":
        found = pq.read_table(io.BytesIO(body))
        found = found.rename_columns([n.lower() for n in found.column_names])
        return _conform(found, schema), 0
    if table.format == "csv":
        skip = 1 if table.parameters.get("skip.header.line.count", "0") != "0" else 0
        delimiter = table.serde_parameters.get("field.delim") or table.serde_parameters.get("separatorChar") or ","
        read = pacsv.read_csv(io.BytesIO(body), read_options=pacsv.ReadOptions(column_names=schema.names, skip_rows=skip),
                              parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=lambda row: "skip"),
                              convert_options=pacsv.ConvertOptions(column_types=schema, strings_can_be_null=True))
        return read, 0
    try:
        found = pajson.read_json(io.BytesIO(body))
        found = found.rename_columns([n.lower() for n in found.column_names])
        return _conform(found, schema), 0
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return _json_lines(body, schema)


def _conform(found: pa.Table, schema: pa.Schema) -> pa.Table:
    """`found` with exactly `schema`'s columns (missing ones null); raises if a cast is unsafe."""
    columns = []
    for f in schema:
        if f.name in found.column_names:
            column = found.column(f.name)
            columns.append(column if column.type == f.type else column.cast(f.type))
        else:
            columns.append(pa.nulls(found.num_rows, f.type))
    return pa.Table.from_arrays(columns, schema=schema)


def _json_lines(body: bytes, schema: pa.Schema) -> tuple[pa.Table, int]:
    values: dict[str, list[Any]] = {f.name: [] for f in schema}
    skipped = 0
    for line in body.split(b"\n"):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("not an object")
        except ValueError:
            skipped += 1
            continue
        lowered = {k.lower(): v for k, v in record.items()}
        for f in schema:
            values[f.name].append(coerce(lowered.get(f.name), f.type))
    return pa.Table.from_arrays([pa.array(values[f.name], f.type) for f in schema], schema=schema), skipped
