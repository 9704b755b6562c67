"""Columns and types of S3 objects as Glue's built-in classifiers infer them: JSON, CSV, Parquet.

Emulates https://docs.aws.amazon.com/glue/latest/dg/add-classifier.html#classifier-built-in:
the format is recognised from the content (GZIP is unwrapped first), the first MiB of each text
object is read (Parquet: the footer's schema). pyarrow parses; when a JSON object does not parse as
a whole (a broken line, a column whose type changes), its lines are parsed one by one: what
parses is used and the rest is reported with the object's key and line number.

Types are Glue's names: ``bigint`` (every JSON integer), ``double``, ``boolean``, ``string``,
``struct<...>``, ``array<...>``; conflicting types widen (bigint + double = double, anything +
string = string), as Glue does.

Known gaps: no custom classifiers (grok, XML, custom CSV), no Avro/ORC, CSV headers are detected
only when the first row is all text and the second is not.
"""

from __future__ import annotations

import io
import json
import zlib
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from sandbox.localcloud.shared.glue_types import split_top

SAMPLE_BYTES = 1024 * 1024
NULL = "null"  # only nulls seen so far: widened by the first real type, written to the catalog as string
MAX_REPORTED = 20


@dataclass
class Inferred:
    """What one object (or a merge of several) told about its table."""

    classification: str  # json | csv | parquet
    compression: str | None = None  # gzip
    columns: dict[str, str] = field(default_factory=dict)  # name -> Glue type, first-seen order
    records: int = 0
    sample_bytes: int = 0
    broken: list[str] = field(default_factory=list)  # "key line N: reason"
    broken_count: int = 0
    csv_header: bool = False

    def merge(self, other: "Inferred") -> "Inferred":
        for name, kind in other.columns.items():
            self.columns[name] = widen(self.columns[name], kind) if name in self.columns else kind
        self.records += other.records
        self.sample_bytes += other.sample_bytes
        self.broken_count += other.broken_count
        self.broken.extend(other.broken[: max(0, MAX_REPORTED - len(self.broken))])
        self.compression = self.compression or other.compression
        return self


def widen(a: str, b: str) -> str:
    """The Glue type that holds values of both types."""
    if a == b:
        return a
    if NULL in (a, b):  # a column seen only as null says nothing about the other's type
        return b if a == NULL else a
    if {a, b} <= {"bigint", "double"}:
        return "double"
    if a.startswith("struct<") and b.startswith("struct<"):
        return _struct(_merge_fields(_fields(a), _fields(b)))
    if a.startswith("array<") and b.startswith("array<"):
        return f"array<{widen(a[6:-1], b[6:-1])}>"
    return "string"


def _fields(struct: str) -> dict[str, str]:
    """`struct<a:int,b:decimal(10,2)>` as {name: type}."""
    return {name: kind for name, _, kind in (field.partition(":") for field in split_top(struct[7:-1]))}


def _merge_fields(a: dict[str, str], b: dict[str, str]) -> dict[str, str]:
    merged = dict(a)
    for name, kind in b.items():
        merged[name] = widen(merged[name], kind) if name in merged else kind
    return merged


def _struct(fields: dict[str, str]) -> str:
    return "struct<" + ",".join(f"{k}:{v}" for k, v in fields.items()) + ">"


def value_type(value: Any) -> str | None:
    """The Glue type of one JSON value (None for null: it says nothing)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "bigint"
    if isinstance(value, float):
        return "double"
    if isinstance(value, dict):
        fields: dict[str, str] = {}
        for k, v in value.items():
            kind = value_type(v)
            if kind:
                fields[k] = widen(fields[k], kind) if k in fields else kind
        return _struct(fields) if fields else "string"
    if isinstance(value, list):
        kinds = [k for k in map(value_type, value) if k]
        elem = kinds[0] if kinds else "string"
        for kind in kinds[1:]:
            elem = widen(elem, kind)
        return f"array<{elem}>"
    return "string"


def arrow_type(kind: pa.DataType) -> str:
    """A pyarrow type as Glue names it."""
    if pa.types.is_boolean(kind):
        return "boolean"
    if pa.types.is_integer(kind):
        return "bigint"
    if pa.types.is_floating(kind):
        return "double"
    if pa.types.is_decimal(kind):
        return f"decimal({kind.precision},{kind.scale})"
    if pa.types.is_timestamp(kind):
        return "timestamp"
    if pa.types.is_date(kind):
        return "date"
    if pa.types.is_struct(kind):
        return _struct({kind.field(i).name: arrow_type(kind.field(i).type) for i in range(kind.num_fields)})
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return f"array<{arrow_type(kind.value_type)}>"
    if pa.types.is_null(kind):
        return NULL
    return "string"


def _sample(body: bytes) -> tuple[bytes, str | None, bool]:
    """The first MiB of the (decompressed) content, its compression, and whether it was cut."""
    if body[:2] == b"\x1f\x8b":
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        data = inflater.decompress(body, SAMPLE_BYTES)
        return data, "gzip", bool(inflater.unconsumed_tail)
    return body[:SAMPLE_BYTES], None, len(body) > SAMPLE_BYTES


def infer_object(key: str, body: bytes) -> Inferred:
    """Classify one object and infer its columns from its first MiB."""
    if body[:4] == b"PAR1":
        schema = pq.read_schema(io.BytesIO(body))
        return Inferred("parquet", None, {f.name: arrow_type(f.type) for f in schema},
                        records=pq.ParquetFile(io.BytesIO(body)).metadata.num_rows, sample_bytes=len(body))
    data, compression, cut = _sample(body)
    if cut:
        data = data[: data.rfind(b"\n") + 1]
    if data.lstrip()[:1] in (b"{", b"["):
        return _json(key, data, compression)
    return _csv(key, data, compression)


def _json(key: str, data: bytes, compression: str | None) -> Inferred:
    found = Inferred("json", compression, sample_bytes=len(data))
    try:
        table = pajson.read_json(io.BytesIO(data))
        found.columns = {f.name: arrow_type(f.type) for f in table.schema}
        found.records = table.num_rows
        return found
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    only_null: set[str] = set()  # columns seen only as null so far: typed string unless a value says more
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError(f"a JSON {type(record).__name__}, not an object")
        except ValueError as exc:
            found.broken_count += 1
            if len(found.broken) < MAX_REPORTED:
                found.broken.append(f"{key} line {number}: {str(exc)[:120]}")
            continue
        found.records += 1
        for name, value in record.items():
            kind = value_type(value)
            if kind is None:
                if name not in found.columns:
                    only_null.add(name)
                continue
            only_null.discard(name)
            found.columns[name] = widen(found.columns[name], kind) if name in found.columns else kind
    for name in only_null:
        found.columns[name] = NULL
    return found


def _csv(key: str, data: bytes, compression: str | None) -> Inferred:
    found = Inferred("csv", compression, sample_bytes=len(data))
    try:
        table = pacsv.read_csv(io.BytesIO(data), parse_options=pacsv.ParseOptions(invalid_row_handler=lambda row: "skip"))
    except pa.ArrowInvalid as exc:
        found.broken_count += 1
        found.broken.append(f"{key}: {str(exc)[:160]}")
        return found
    found.columns = {f.name: arrow_type(f.type) for f in table.schema}
    found.records = table.num_rows
    found.csv_header = True
    return found
