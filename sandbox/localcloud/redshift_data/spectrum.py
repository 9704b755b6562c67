"""Redshift Spectrum on PostgreSQL: external schemas over the Data Catalog, their tables read from S3.

Emulates https://docs.aws.amazon.com/redshift/latest/dg/c-using-spectrum.html and
https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_EXTERNAL_SCHEMA.html (FROM DATA CATALOG):
``CREATE EXTERNAL SCHEMA s FROM DATA CATALOG DATABASE 'db'`` creates the PostgreSQL schema ``s``
and records it in ``cadabra_spectrum.external_schemas``; a statement that names ``s.table`` first
brings that table up to date: the catalog's definition (columns, partitions) and its S3 objects
are read (shared/catalog_tables.py: the Glue API and the runtime's S3 reader) and copied into ``s.table``,
again only when the objects changed (a fingerprint of keys and ETags is kept in
``cadabra_spectrum.snapshots``). Partition columns are ordinary text columns, as in Spectrum.

Known gaps: Spectrum scans S3 at query time and prunes partitions; here a changed table is
re-copied whole before the statement runs (the first query of a large table pays for the copy);
external tables created with CREATE EXTERNAL TABLE (not through the catalog) are not supported;
writes to external tables are not refused.
"""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any, Callable

import pyarrow as pa
import pyarrow.csv as pacsv
from sqlglot import exp

from sandbox.localcloud.shared.catalog_tables import TableNotFound, TableReader

SETUP = """
CREATE SCHEMA IF NOT EXISTS cadabra_spectrum;
CREATE TABLE IF NOT EXISTS cadabra_spectrum.external_schemas (
    schema_name text PRIMARY KEY, glue_database text NOT NULL, region text);
CREATE TABLE IF NOT EXISTS cadabra_spectrum.snapshots (
    schema_name text, table_name text, fingerprint text, rows bigint, PRIMARY KEY (schema_name, table_name));
"""
PG_TYPES = {"string": "text", "varchar": "text", "char": "text", "bigint": "bigint", "int": "integer",
            "integer": "integer", "smallint": "smallint", "tinyint": "smallint", "double": "double precision",
            "float": "real", "real": "real", "boolean": "boolean", "date": "date", "timestamp": "timestamp"}


class SpectrumError(ValueError):
    pass


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def pg_type(glue_type: str) -> str:
    kind = glue_type.strip().lower()
    if kind.startswith("decimal"):
        return kind.replace("decimal", "numeric")
    base = kind.split("(")[0]
    return PG_TYPES.get(base, "text")  # arrays, structs and maps arrive as JSON text


def setup(cursor: Any) -> None:
    cursor.execute(SETUP)


def create_external_schema(cursor: Any, glue: Any, schema: str, database: str, region: str | None, if_not_exists: bool) -> None:
    setup(cursor)
    try:
        glue.get_database(Name=database)
    except glue.exceptions.EntityNotFoundException:
        raise SpectrumError(f"External database '{database}' does not exist in the Data Catalog: run the crawler first "
                            "(or add CREATE EXTERNAL DATABASE IF NOT EXISTS)") from None
    cursor.execute("SELECT 1 FROM cadabra_spectrum.external_schemas WHERE schema_name = %s", (schema,))
    if cursor.fetchone():
        if if_not_exists:
            return
        raise SpectrumError(f'Schema "{schema}" already exists')
    cursor.execute(f"CREATE SCHEMA {'IF NOT EXISTS ' if if_not_exists else ''}{_q(schema)}")
    cursor.execute("INSERT INTO cadabra_spectrum.external_schemas VALUES (%s, %s, %s)", (schema, database, region))


def external_schemas(cursor: Any) -> dict[str, str]:
    """schema -> Glue database, for every external schema created so far."""
    cursor.execute("SELECT to_regclass('cadabra_spectrum.external_schemas') IS NOT NULL")
    if not cursor.fetchone()[0]:
        return {}
    cursor.execute("SELECT schema_name, glue_database FROM cadabra_spectrum.external_schemas")
    return dict(cursor.fetchall())


def referenced(tree: exp.Expression, schemas: dict[str, str]) -> list[tuple[str, str]]:
    """(external schema, table) pairs a statement reads."""
    found = []
    for table in tree.find_all(exp.Table):
        if table.db and table.db.lower() in schemas and (table.db.lower(), table.name.lower()) not in found:
            found.append((table.db.lower(), table.name.lower()))
    return found


def refresh(cursor: Any, glue: Any, reader: TableReader, schema: str, database: str, name: str,
            progress: Callable[[str], None] = lambda message: None) -> int:
    """Bring schema.name up to date with the catalog table database.name; returns its rows."""
    try:
        table = reader.table(glue, database, name)
    except TableNotFound:
        raise SpectrumError(f'relation "{schema}.{name}" does not exist (no table {name} in Data Catalog database {database})') from None
    scan = reader.scan(table)
    fingerprint = hashlib.sha256(json.dumps([table.columns, table.partition_keys, scan.keys]).encode()).hexdigest()
    cursor.execute("SELECT fingerprint, rows FROM cadabra_spectrum.snapshots WHERE schema_name = %s AND table_name = %s",
                   (schema, name))
    known = cursor.fetchone()
    if known and known[0] == fingerprint:
        return known[1]
    progress(f"Spectrum: reading s3 for {schema}.{name} ({scan.objects} objects)")
    columns = [(c, pg_type(t)) for c, t in table.columns] + [(k, "text") for k in table.partition_keys]
    cursor.execute(f"DROP TABLE IF EXISTS {_q(schema)}.{_q(name)}")
    cursor.execute(f"CREATE TABLE {_q(schema)}.{_q(name)} ({', '.join(f'{_q(c)} {t}' for c, t in columns)})")
    rows = scan.table
    arrays = [rows.column(i) if not pa.types.is_nested(rows.schema.field(i).type)
              else pa.array([None if v is None else json.dumps(v) for v in rows.column(i).to_pylist()], pa.string())
              for i in range(rows.num_columns)]
    buffer = io.BytesIO()
    pacsv.write_csv(pa.Table.from_arrays(arrays, names=rows.column_names), buffer,
                    pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    buffer.seek(0)
    cursor.copy_expert(f"COPY {_q(schema)}.{_q(name)} FROM STDIN WITH (FORMAT csv)", buffer)
    cursor.execute("INSERT INTO cadabra_spectrum.snapshots VALUES (%s, %s, %s, %s) ON CONFLICT (schema_name, table_name) "
                   "DO UPDATE SET fingerprint = EXCLUDED.fingerprint, rows = EXCLUDED.rows",
                   (schema, name, fingerprint, rows.num_rows))
    return rows.num_rows
