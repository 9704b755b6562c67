"""Reads the data lake's order lines (s3://<bucket>/orders/, as Firehose PurchaseLogs writes them) into Spark.

Two readers, one choice (`read_orders` picks by the stack):
- **pyarrow** (the embedded stack, Spark in local mode): no hadoop-aws jar can be downloaded here, so
  pyarrow's S3 filesystem (https://arrow.apache.org/docs/python/generated/pyarrow.fs.S3FileSystem.html)
  lists and fetches the objects in parallel, the driver parses the lines into an Arrow table and
  Spark takes it with `createDataFrame`. Fits a lake that fits in the driver's memory (the full
  Online Retail data is ~20 MB gzip); a bigger lake wants a cluster.
- **s3a** (a cluster that ships hadoop-aws: the Docker stack's Spark image, EMR): Spark reads the
  partitions itself with `spark.read.json` in PERMISSIVE mode.

Both read GZIP or plain objects, add the Hive partition columns (year, month, day, hour) from the
key, skip and count lines that are not an order record (not JSON, not an object, a field of the
wrong type) and partitions that hold no objects (a folder marker only), and report both in
`LakeStats` so the job can say how many it skipped.
"""

from __future__ import annotations

import gzip
import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from pipelines.recommendations import layout
from sandbox.settings import Settings, Stack

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

FETCHERS = 16  # concurrent GETs: small objects, latency-bound
PARTITION = re.compile(r"year=(\d{4})/month=(\d{2})/day=(\d{2})/hour=(\d{2})/")

# field → the JSON types an order record may hold there (None = null allowed)
FIELDS: dict[str, tuple[type, ...]] = {
    "InvoiceNo": (str,),
    "StockCode": (str,),
    "Description": (str, type(None)),
    "Quantity": (int,),
    "InvoiceDate": (str,),
    "UnitPrice": (float, int),
    "CustomerID": (int, type(None)),
    "Country": (str, type(None)),
    "LineNo": (int, type(None)),
}
REQUIRED = ("InvoiceNo", "StockCode", "Quantity", "InvoiceDate")
SCHEMA_DDL = (
    "InvoiceNo STRING, StockCode STRING, Description STRING, Quantity BIGINT, InvoiceDate STRING, "
    "UnitPrice DOUBLE, CustomerID BIGINT, Country STRING, LineNo BIGINT, "
    "year INT, month INT, day INT, hour INT"
)


@dataclass
class LakeStats:
    """What a read found: the job prints it and writes it beside the run's metrics."""

    reader: str = ""
    objects: int = 0
    partitions: int = 0
    lines: int = 0  # order records read
    bad_lines: int = 0  # skipped: not JSON, not an object, or a field of the wrong type
    empty_partitions: int = 0  # hour folders without any object
    empty_objects: int = 0
    bad_examples: list[str] = field(default_factory=list)  # up to 5 "key: reason"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def render(self) -> str:
        return (f"{self.lines} order lines from {self.objects} objects in {self.partitions} partitions "
                f"({self.reader}); skipped {self.bad_lines} malformed lines, {self.empty_partitions} empty "
                f"partitions, {self.empty_objects} empty objects")


class LakeError(RuntimeError):
    """The lake cannot be read; the message names the fix."""


# -- parsing (pure) --------------------------------------------------------------------------------


def parse_line(line: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """(record, None) for an order record, else (None, reason)."""
    try:
        value = json.loads(line)
    except ValueError as exc:
        return None, f"not JSON ({exc.msg})"
    if not isinstance(value, dict):
        return None, f"not a JSON object ({type(value).__name__})"
    record: dict[str, Any] = {}
    for name, types in FIELDS.items():
        item = value.get(name)
        if item is None and name in REQUIRED:
            return None, f"{name} is missing"
        if isinstance(item, bool) or not isinstance(item, types):
            return None, f"{name} is {type(item).__name__}, not {'/'.join(t.__name__ for t in types)}"
        record[name] = float(item) if name == "UnitPrice" else item
    return record, None


def parse_object(key: str, body: bytes, stats: LakeStats) -> list[dict[str, Any]]:
    """The order records of one object (GZIP or plain), with its partition columns; counts bad lines."""
    if body[:2] == b"\x1f\x8b":
        body = gzip.decompress(body)
    match = PARTITION.search(key)
    partition = dict(zip(layout.PARTITION_KEYS, map(int, match.groups()))) if match else dict.fromkeys(layout.PARTITION_KEYS)
    records = []
    for line in body.splitlines():
        if not line.strip():
            continue
        record, reason = parse_line(line)
        if record is None:
            stats.bad_lines += 1
            if len(stats.bad_examples) < 5:
                stats.bad_examples.append(f"{key}: {reason}")
            continue
        record.update(partition)
        records.append(record)
    if not body.strip():
        stats.empty_objects += 1
    return records


def empty_partitions(directories: Iterable[str], files: Iterable[str]) -> int:
    """Hour partitions (…/hour=HH) listed as folders that no object lies under."""
    with_files = {match.group(0) for match in map(PARTITION.search, files) if match}
    hours = {match.group(0) for match in map(PARTITION.search, (d.rstrip("/") + "/" for d in directories)) if match}
    return len(hours - with_files)


# -- readers ---------------------------------------------------------------------------------------


def filesystem(settings: Settings) -> Any:
    """pyarrow's S3 filesystem on the stack's S3 endpoint (the default chain on the aws stack)."""
    from pyarrow import fs

    options: dict[str, Any] = {"region": settings.region}
    if settings.aws_endpoint:
        scheme, _, host = settings.aws_endpoint.partition("://")
        options.update(endpoint_override=host, scheme=scheme, access_key=settings.access_key_id,
                       secret_key=settings.secret_access_key, force_virtual_addressing=False)
    return fs.S3FileSystem(**options)


def read_with_pyarrow(
    spark: "SparkSession", settings: Settings, bucket: str, prefix: str = layout.ORDERS_ROOT
) -> tuple["DataFrame", LakeStats]:
    """List and fetch every object under s3://bucket/prefix in parallel; one DataFrame of order lines."""
    import pyarrow as pa
    from pyarrow import fs

    s3 = filesystem(settings)
    stats = LakeStats(reader="pyarrow")
    fix = "start the stack (`make up`) and deploy (`cadabra deploy`)"
    try:
        if s3.get_file_info(bucket).type == fs.FileType.NotFound:
            raise LakeError(f"bucket {bucket} does not exist: {fix}")
        infos = s3.get_file_info(fs.FileSelector(f"{bucket}/{prefix}", recursive=True, allow_not_found=True))
    except OSError as exc:
        raise LakeError(f"cannot list s3://{bucket}/{prefix} ({exc}): {fix}") from exc
    files = [i.path for i in infos if i.type == fs.FileType.File and not i.path.endswith("/") and i.size]
    stats.empty_objects = sum(1 for i in infos if i.type == fs.FileType.File and not i.size)
    directories = [i.path for i in infos if i.type == fs.FileType.Directory]
    stats.empty_partitions = empty_partitions(directories, files)
    stats.objects = len(files)
    stats.partitions = len({m.group(0) for m in map(PARTITION.search, files) if m})

    def fetch(path: str) -> tuple[str, bytes]:
        with s3.open_input_stream(path, compression=None) as stream:
            return path, stream.read()

    columns: dict[str, list[Any]] = {name: [] for name in (*FIELDS, *layout.PARTITION_KEYS)}
    with ThreadPoolExecutor(FETCHERS, thread_name_prefix="lake-reader") as pool:
        for path, body in pool.map(fetch, files):
            for record in parse_object(path, body, stats):
                for name, values in columns.items():
                    values.append(record[name])
    stats.lines = len(columns["InvoiceNo"])
    table = pa.table(columns, schema=_arrow_schema())
    return spark.createDataFrame(table), stats


def read_with_s3a(spark: "SparkSession", bucket: str, prefix: str = layout.ORDERS_ROOT) -> tuple["DataFrame", LakeStats]:
    """Spark reads s3a://bucket/prefix itself (partition discovery adds year/month/day/hour)."""
    from pyspark.sql import functions as F

    stats = LakeStats(reader="s3a")
    schema = SCHEMA_DDL + ", _corrupt_record STRING"
    raw = (spark.read.schema(schema).option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", "_corrupt_record")
           .json(f"s3a://{bucket}/{prefix}").withColumn("_object", F.input_file_name()).cache())
    counts = raw.agg(
        F.count(F.when(F.col("_corrupt_record").isNull(), 1)).alias("lines"),
        F.count("_corrupt_record").alias("bad"),
        F.countDistinct("_object").alias("objects"),
        F.countDistinct("year", "month", "day", "hour").alias("partitions"),
    ).first()
    stats.lines, stats.bad_lines, stats.objects, stats.partitions = counts["lines"], counts["bad"], counts["objects"], counts["partitions"]
    good = raw.where(F.col("_corrupt_record").isNull()).drop("_corrupt_record", "_object")
    return good, stats


def s3a_available(spark: "SparkSession") -> bool:
    """Whether this Spark has the hadoop-aws S3A filesystem on its classpath."""
    try:
        spark.sparkContext._jvm.java.lang.Class.forName("org.apache.hadoop.fs.s3a.S3AFileSystem")  # type: ignore[union-attr]
        return True
    except Exception:  # py4j wraps ClassNotFoundException
        return False


def choose_reader(settings: Settings, spark: "SparkSession") -> str:
    """s3a on the Docker and aws stacks when the cluster provides it; pyarrow otherwise (embedded)."""
    if settings.stack is not Stack.EMBEDDED and s3a_available(spark):
        return "s3a"
    return "pyarrow"


def read_orders(
    spark: "SparkSession", settings: Settings, bucket: str | None = None, prefix: str = layout.ORDERS_ROOT
) -> tuple["DataFrame", LakeStats]:
    """The lake's order lines (schema SCHEMA_DDL) and what the read skipped, by the reader the stack calls for."""
    bucket = bucket or settings.names.datalake_bucket
    if choose_reader(settings, spark) == "s3a":
        return read_with_s3a(spark, bucket, prefix)
    return read_with_pyarrow(spark, settings, bucket, prefix)


def _arrow_schema() -> Any:
    import pyarrow as pa

    return pa.schema([
        ("InvoiceNo", pa.string()), ("StockCode", pa.string()), ("Description", pa.string()),
        ("Quantity", pa.int64()), ("InvoiceDate", pa.string()), ("UnitPrice", pa.float64()),
        ("CustomerID", pa.int64()), ("Country", pa.string()), ("LineNo", pa.int64()),
        ("year", pa.int32()), ("month", pa.int32()), ("day", pa.int32()), ("hour", pa.int32()),
    ])
