"""Query results as Athena returns them: ColumnInfo types, VarCharValue text, the CSV in the OutputLocation.

https://docs.aws.amazon.com/athena/latest/APIReference/API_GetQueryResults.html and
https://docs.aws.amazon.com/athena/latest/ug/querying.html#query-results-specify-location: every
value is text (NULL has no VarCharValue), the first row of a SELECT is the header, the result file
is ``<OutputLocation>/<QueryExecutionId>.csv`` with every field quoted.

Known gap: the ``.csv.metadata`` file holds the ColumnInfo as JSON, not Athena's binary format.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

TYPES = {
    "VARCHAR": "varchar", "BIGINT": "bigint", "INTEGER": "integer", "SMALLINT": "smallint", "TINYINT": "tinyint",
    "HUGEINT": "bigint", "UBIGINT": "bigint", "UINTEGER": "bigint", "DOUBLE": "double", "FLOAT": "real",
    "BOOLEAN": "boolean", "DATE": "date", "TIMESTAMP": "timestamp", "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
    "BLOB": "varbinary", "INTERVAL": "interval day to second", "TIME": "time", "UUID": "varchar",
}


def athena_type(duckdb_type: str) -> tuple[str, int, int]:
    """(Athena type name, precision, scale) of a DuckDB result type."""
    upper = duckdb_type.upper()
    match = re.match(r"DECIMAL\((\d+),\s*(\d+)\)", upper)
    if match:
        return "decimal", int(match.group(1)), int(match.group(2))
    if upper.endswith("[]"):
        return "array", 0, 0
    if upper.startswith("STRUCT"):
        return "row", 0, 0
    if upper.startswith("MAP"):
        return "map", 0, 0
    name = TYPES.get(upper, "varchar")
    precision = {"varchar": 2147483647, "bigint": 19, "integer": 10, "double": 17, "real": 9, "boolean": 0,
                 "date": 0, "timestamp": 3}.get(name, 0)
    return name, precision, 0


def column_info(columns: list[tuple[str, str]]) -> list[dict[str, Any]]:
    info = []
    for name, kind in columns:
        athena, precision, scale = athena_type(kind)
        info.append({"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": name, "Label": name,
                     "Type": athena, "Precision": precision, "Scale": scale, "Nullable": "UNKNOWN",
                     "CaseSensitive": athena == "varchar"})
    return info


def text(value: Any) -> str | None:
    """A value as Athena prints it (None stays None: no VarCharValue)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        zone = f" {value.tzname()}" if value.tzinfo else ""  # timestamp with time zone: "... UTC"
        return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}" + zone
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (Decimal, int, float)):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join("null" if v is None else text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={'null' if v is None else text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bytes):
        return value.hex(" ")
    return str(value)


def csv_bytes(columns: list[tuple[str, str]], rows: list[tuple[Any, ...]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow([name for name, _ in columns])
    for row in rows:
        writer.writerow(["" if (t := text(v)) is None else t for v in row])
    return buffer.getvalue().encode()


def metadata_bytes(columns: list[tuple[str, str]]) -> bytes:
    return json.dumps({"ColumnInfo": column_info(columns)}).encode()
