"""Glue/Hive column types as pyarrow types, and values coerced to them (for readers of catalog tables).

https://docs.aws.amazon.com/athena/latest/ug/data-types.html lists the Hive DDL names the catalog
holds (``bigint``, ``string``, ``array<struct<a:int>>``, ``decimal(10,2)``...).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import pyarrow as pa

SIMPLE: dict[str, pa.DataType] = {
    "string": pa.string(), "varchar": pa.string(), "char": pa.string(),
    "bigint": pa.int64(), "int": pa.int32(), "integer": pa.int32(), "smallint": pa.int16(), "tinyint": pa.int8(),
    "double": pa.float64(), "float": pa.float32(), "real": pa.float32(),
    "boolean": pa.bool_(), "date": pa.date32(), "timestamp": pa.timestamp("ms"), "binary": pa.binary(),
}


def split_top(body: str) -> list[str]:
    """Split `a:int,b:struct<c:int,d:int>` at the commas outside angle brackets and parentheses."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(body):
        if c in "<(":
            depth += 1
        elif c in ">)":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    parts.append(body[start:])
    return [p.strip() for p in parts if p.strip()]


def arrow_type(glue_type: str) -> pa.DataType:
    """The pyarrow type of a Glue column type (unknown names read as strings)."""
    t = glue_type.strip().lower()
    base = re.sub(r"\(.*\)$", "", t)
    if base in SIMPLE:
        return SIMPLE[base]
    if base == "decimal":
        match = re.match(r"decimal\((\d+),\s*(\d+)\)", t)
        return pa.decimal128(int(match.group(1)), int(match.group(2))) if match else pa.decimal128(10, 0)
    if t.startswith("array<"):
        return pa.list_(arrow_type(t[6:-1]))
    if t.startswith("struct<"):
        fields = []
        for part in split_top(glue_type.strip()[7:-1]):
            name, _, kind = part.partition(":")
            fields.append(pa.field(name.strip(), arrow_type(kind)))
        return pa.struct(fields)
    if t.startswith("map<"):
        key, value = split_top(t[4:-1])
        return pa.map_(arrow_type(key), arrow_type(value))
    return pa.string()


def coerce(value: Any, kind: pa.DataType) -> Any:
    """A JSON value as `kind`, or None when it cannot be one (as Hive's JSON SerDe reads a mismatch)."""
    if value is None:
        return None
    try:
        if pa.types.is_string(kind):
            return value if isinstance(value, str) else json.dumps(value) if isinstance(value, (dict, list)) else str(value).lower() if isinstance(value, bool) else str(value)
        if pa.types.is_integer(kind):
            return int(value) if not isinstance(value, bool) and (isinstance(value, int) or str(value).strip().lstrip("-").isdigit()) else None
        if pa.types.is_floating(kind):
            return float(value) if not isinstance(value, bool) else None
        if pa.types.is_boolean(kind):
            return value if isinstance(value, bool) else {"true": True, "false": False}.get(str(value).lower())
        if pa.types.is_decimal(kind):
            return Decimal(str(value))
        if pa.types.is_timestamp(kind):
            return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if not isinstance(value, (int, float)) else datetime.fromtimestamp(value / 1000)
        if pa.types.is_date(kind):
            return date.fromisoformat(str(value)[:10])
        if pa.types.is_list(kind):
            return [coerce(v, kind.value_type) for v in value] if isinstance(value, list) else None
        if pa.types.is_struct(kind):
            if not isinstance(value, dict):
                return None
            lowered = {k.lower(): v for k, v in value.items()}
            return {kind.field(i).name: coerce(lowered.get(kind.field(i).name.lower()), kind.field(i).type) for i in range(kind.num_fields)}
    except (ValueError, TypeError, InvalidOperation, OverflowError):
        return None
    return None
