"""Redshift's COPY from Amazon S3, run as PostgreSQL's COPY FROM STDIN.

Emulates https://docs.aws.amazon.com/redshift/latest/dg/r_COPY.html for S3 sources: every object
whose key starts with the FROM prefix is read (GZIP, BZIP2 or plain), ``FORMAT [AS] JSON 'auto'``
(keys match column names exactly), ``'auto ignorecase'`` (any case) or CSV (DELIMITER,
IGNOREHEADER n, QUOTE AS), then streamed into the table in one PostgreSQL COPY, inside the
statement's transaction: a value PostgreSQL rejects fails the whole COPY with its reason, as
Redshift fails a load. ``MAXERROR n`` lets up to n lines that are not JSON objects be skipped (JSON
loads only; Redshift's default is 0, so one such line fails the load, naming its file and line).
IAM_ROLE, CREDENTIALS and REGION are accepted and not checked. The result reports the rows loaded.

JSON objects are converted in batches (consecutive objects, ~8 MiB, parsed by pyarrow at once:
thousands of small Firehose objects cost milliseconds each one by one); a batch whose rows could
read differently than object by object (a line that does not parse, a type that changes, keys that
differ only in case, a string that looks like a timestamp, a number written with an exponent) is
converted object by object instead, so the rows written are the same.

Known gaps: no MANIFEST, JSONPaths files, FIXEDWIDTH, AVRO, PARQUET/ORC, TIMEFORMAT/DATEFORMAT
(PostgreSQL's own parsing applies), no stl_load_errors; MAXERROR does not cover values PostgreSQL
rejects.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.tokens import TokenType

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.json as pajson

from sandbox.localcloud.shared.catalog_tables import split_s3_url
from sandbox.localcloud.shared.s3_objects import ApiObjects


READERS = 8  # concurrent GetObject calls
BATCH_BYTES = 8 * 1024 * 1024  # JSON objects converted together (decompressed bytes)
TIMESTAMP_LIKE = r"^\s*\d{4}-\d{1,2}-\d{1,2}"  # what pyarrow's JSON reader may infer as a timestamp


class CopyError(ValueError):
    pass


@dataclass
class CopyCommand:
    table: str  # schema-qualified as written
    columns: list[str]
    source: str  # s3://bucket/prefix
    format: str = "TEXT"  # JSON | CSV | TEXT
    json_mode: str = ""  # auto | auto ignorecase
    compression: str | None = None  # GZIP | BZIP2
    delimiter: str | None = None
    ignore_header: int = 0
    quote: str = '"'
    max_errors: int = 0  # MAXERROR: lines that may be skipped before the load fails
    options: dict[str, str] = field(default_factory=dict)


def _options(sql: str) -> list[tuple[str, str | None]]:
    """COPY's options after the FROM literal, as (KEYWORD, value or None); ``AS`` and ``FORMAT`` are noise."""
    tokens = Dialect.get_or_raise("redshift").tokenize(sql)
    start = next((i + 2 for i, t in enumerate(tokens) if t.text.upper() == "FROM" and i + 1 < len(tokens)
                  and tokens[i + 1].token_type is TokenType.STRING), len(tokens))
    out, i = [], start
    while i < len(tokens):
        word = tokens[i].text.upper()
        if word in ("FORMAT", "AS") or tokens[i].token_type is TokenType.SEMICOLON:
            i += 1
            continue
        j = i + 1
        if j < len(tokens) and tokens[j].text.upper() == "AS":
            j += 1
        if j < len(tokens) and tokens[j].token_type in (TokenType.STRING, TokenType.NUMBER):
            out.append((word, tokens[j].text))
            i = j + 1
        else:
            out.append((word, None))
            i += 1
    return out


def parse_copy(sql: str, tree: exp.Copy) -> CopyCommand:
    """The parts of a Redshift COPY (CopyError for what the sandbox does not load)."""
    target = tree.this
    columns: list[str] = []
    if isinstance(target, exp.Schema):
        columns = [c.name.lower() for c in target.expressions]
        target = target.this
    files = tree.args.get("files") or []
    if len(files) != 1 or not str(files[0].this).lower().startswith("s3://"):
        raise CopyError("COPY loads from one s3:// prefix in the sandbox (no manifests, DynamoDB, EMR or SSH sources)")
    command = CopyCommand(target.sql(dialect="postgres"), columns, str(files[0].this))
    for name, value in _options(sql):
        if name == "JSON":
            command.format, command.json_mode = "JSON", (value or "auto").lower()
            if command.json_mode not in ("auto", "auto ignorecase"):
                raise CopyError(f"JSON '{value}': the sandbox's COPY supports 'auto' and 'auto ignorecase' (no JSONPaths files)")
        elif name == "CSV":
            command.format = "CSV"
            command.delimiter = command.delimiter or ","
        elif name in ("GZIP", "BZIP2"):
            command.compression = name
        elif name == "DELIMITER":
            command.delimiter = value
        elif name == "IGNOREHEADER":
            command.ignore_header = int(value or 0)
        elif name == "QUOTE":
            command.quote = value or '"'
        elif name == "MAXERROR":
            try:
                command.max_errors = int(value or "")
            except ValueError:
                raise CopyError(f"MAXERROR takes a whole number of errors, not {value!r}") from None
        elif name in ("MANIFEST", "JSONPATHS", "FIXEDWIDTH", "AVRO", "PARQUET", "ORC", "SHAPEFILE", "ZSTD", "LZOP"):
            raise CopyError(f"COPY ... {name} is not supported by the sandbox")
        else:
            command.options[name] = value or ""
    return command


def _objects(s3: ApiObjects, source: str) -> dict[str, int]:
    """key -> size of every object COPY loads, in key order."""
    bucket, prefix = split_s3_url(source)
    keys = {o.key: o.size for o in s3.list(bucket, prefix) if not o.key.endswith("/") and o.size > 0}
    if not keys:
        raise CopyError(f"The specified S3 prefix '{prefix}' does not exist (bucket {bucket}): nothing to load")
    return keys


def _read(s3: ApiObjects, bucket: str, key: str, compression: str | None) -> bytes:
    body = s3.read(bucket, key)
    if compression == "GZIP" or body[:2] == b"\x1f\x8b":
        return gzip.decompress(body)
    if compression == "BZIP2":
        return bz2.decompress(body)
    return body


@dataclass
class Rejected:
    key: str
    line: int
    reason: str


def _json_csv(body: bytes, columns: list[str], ignorecase: bool, key: str, rejected: list[Rejected]) -> bytes:
    """Newline-delimited JSON objects as CSV rows of `columns` (missing keys are NULL); a line that is not
    a JSON object is added to `rejected` and left out."""
    try:
        table = pajson.read_json(io.BytesIO(body))
        names = {(n.lower() if ignorecase else n): n for n in table.column_names}
        arrays = [table.column(names[c]) if c in names else pa.nulls(table.num_rows, pa.string()) for c in columns]
        if any(pa.types.is_nested(a.type) for a in arrays):
            raise pa.ArrowInvalid("nested values: written as JSON text below")
        out = io.BytesIO()
        pacsv.write_csv(pa.Table.from_arrays(arrays, names=columns), out,
                        pacsv.WriteOptions(include_header=False, quoting_style="needed"))
        return out.getvalue()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        pass
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    for number, line in enumerate(body.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            rejected.append(Rejected(key, number, f"Invalid JSON: {exc}"))
            continue
        if not isinstance(record, dict):
            rejected.append(Rejected(key, number, f"a JSON {type(record).__name__}, not an object"))
            continue
        if ignorecase:
            record = {k.lower(): v for k, v in record.items()}
        writer.writerow([_text(record.get(c)) for c in columns])
    return text.getvalue().encode()


def _batch_json_csv(bodies: list[tuple[str, bytes]], columns: list[str], ignorecase: bool,
                    rejected: list[Rejected]) -> bytes:
    """`_json_csv` of consecutive objects, parsed together when that gives the same rows, else one by one."""
    if len(bodies) > 1:
        joined = b"".join(body if body.endswith(b"\n") or not body else body + b"\n" for _, body in bodies)
        converted = _together(joined, columns, ignorecase)
        if converted is not None:
            return converted
    return b"".join(_json_csv(body, columns, ignorecase, key, rejected) for key, body in bodies)


def _together(joined: bytes, columns: list[str], ignorecase: bool) -> bytes | None:
    """The CSV rows of many objects' lines parsed at once; None when a row could read differently than in
    its own object's parse (types are inferred per parse: an int column of one object next to a double
    column of another becomes double, a timestamp-like string column of one next to text becomes text)."""
    try:
        table = pajson.read_json(io.BytesIO(joined))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    names: dict[str, str] = {}
    for n in table.column_names:
        wanted = n.lower() if ignorecase else n
        if wanted in names:
            return None  # keys differing only in case: which one wins depends on the object
        names[wanted] = n
    arrays = [table.column(names[c]) if c in names else pa.nulls(table.num_rows, pa.string()) for c in columns]
    for array in arrays:
        kind = array.type
        if pa.types.is_nested(kind):
            return None
        if pa.types.is_string(kind) and pc.any(pc.match_substring_regex(array, TIMESTAMP_LIKE)).as_py():
            return None
        if pa.types.is_floating(kind) and pc.any(pc.match_substring_regex(pc.cast(array, pa.string()), r"[eEn]")).as_py():
            return None  # 1e+11, inf, nan: an integer column of one object may be written as a double here
    out = io.BytesIO()
    pacsv.write_csv(pa.Table.from_arrays(arrays, names=columns), out,
                    pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    return out.getvalue()


def _batches(keys: list[str], sizes: dict[str, int]) -> list[list[str]]:
    """Consecutive keys in groups of about BATCH_BYTES (compressed sizes x 8, a GZIP ratio for JSON lines)."""
    groups: list[list[str]] = []
    current: list[str] = []
    size = 0
    for key in keys:
        current.append(key)
        size += sizes.get(key, 0) * 8
        if size >= BATCH_BYTES:
            groups.append(current)
            current, size = [], 0
    if current:
        groups.append(current)
    return groups


def _text(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return value


def run_copy(cursor: Any, s3: ApiObjects, command: CopyCommand) -> int:
    """Load the objects into the table on `cursor`'s transaction; the number of rows loaded."""
    columns = command.columns or _table_columns(cursor, command.table)
    bucket = split_s3_url(command.source)[0]
    keys = _objects(s3, command.source)
    rejected: list[Rejected] = []  # list.append is atomic: the reader threads share it

    def rows_of(group: list[str]) -> bytes:
        bodies = [(key, _read(s3, bucket, key, command.compression)) for key in group]
        if command.format == "JSON":
            return _batch_json_csv(bodies, columns, command.json_mode == "auto ignorecase", rejected)
        out = []
        for _, body in bodies:
            lines = body.split(b"\n")[command.ignore_header:]
            text = b"\n".join(lines)
            out.append(text if text.endswith(b"\n") or not text else text + b"\n")
        return b"".join(out)

    groups = _batches(list(keys), keys) if command.format == "JSON" else [[key] for key in keys]
    stream = io.BytesIO()
    with ThreadPoolExecutor(READERS, thread_name_prefix="redshift-copy") as pool:
        for chunk in pool.map(rows_of, groups):  # in key order, as one COPY stream
            stream.write(chunk)
    if len(rejected) > command.max_errors:
        first = min(rejected, key=lambda r: (r.key, r.line))
        raise CopyError(f"Load into table '{command.table}' failed: {len(rejected)} line(s) rejected, MAXERROR is "
                        f"{command.max_errors}. First: s3://{bucket}/{first.key} line {first.line}: {first.reason}. "
                        "Fix the input, or raise MAXERROR to skip such lines")
    stream.seek(0)
    column_list = ", ".join('"' + c.replace('"', '""') + '"' for c in columns)
    if command.format == "JSON":
        options = "FORMAT csv"
    elif command.format == "CSV":
        options = f"FORMAT csv, DELIMITER {_literal(command.delimiter or ',')}, QUOTE {_literal(command.quote)}"
    else:
        options = f"FORMAT text, DELIMITER {_literal(command.delimiter or '|')}"
    cursor.copy_expert(f"COPY {command.table} ({column_list}) FROM STDIN WITH ({options})", stream)
    return cursor.rowcount


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _table_columns(cursor: Any, table: str) -> list[str]:
    cursor.execute(f"SELECT * FROM {table} LIMIT 0")
    return [d[0] for d in cursor.description]
