"""Writes order lines into the data lake exactly as Firehose PurchaseLogs delivers them.

For benchmarks, tests and users who want a lake spanning the data's year without replaying a year:
each row comes with its arrival time (a caller may pass the line's own InvoiceDate), and the rows
are buffered, named and laid out as the delivery stream would:

- record bytes: the order producer's `encode()` (one JSON line with its newline), concatenated as
  Firehose does (it adds no delimiter), GZIP-compressed;
- buffering: an object closes when its oldest record is `buffer_seconds` old or it holds
  `buffer_mb` MiB (https://docs.aws.amazon.com/firehose/latest/dev/buffering-hints.html);
- key: the PurchaseLogs prefix evaluated at the oldest record's arrival (UTC) + the object name
  `<stream>-<version>-YYYY-MM-DD-HH-MM-SS-<uuid>.gz`
  (https://docs.aws.amazon.com/firehose/latest/dev/basic-deliver.html#s3-object-name).

One deliberate difference: the uuid is derived from the object's content instead of random, so
seeding twice writes the same keys (idempotent) instead of a second copy of every line.
Arrival time never runs back: a row earlier than the one before it arrives with it.
"""

from __future__ import annotations

import gzip
import hashlib
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from generators.orders import CSV_DATE, FULL_FILE, SAMPLE_FILE, Record, encode, read_orders
from pipelines.recommendations import layout
from sandbox.localcloud.firehose.prefixes import delivery_prefix, object_suffix
from sandbox.settings import Settings

MIB = 1024 * 1024
STREAM_VERSION = 1  # a delivery stream's first version, as CreateDeliveryStream leaves it
WRITERS = 8  # concurrent PutObject calls


@dataclass(frozen=True)
class LakeObject:
    key: str
    body: bytes  # GZIP
    lines: int
    first_arrival: datetime


@dataclass
class SeedSummary:
    """What a seed wrote: the CLI prints it, benchmarks and tests assert on it."""

    bucket: str = ""
    lines: int = 0
    objects: int = 0
    bytes: int = 0
    partitions: set[str] = field(default_factory=set)

    def render(self) -> str:
        return (f"wrote {self.lines} order lines in {self.objects} objects ({self.bytes / MIB:.1f} MiB gzip) "
                f"over {len(self.partitions)} hour partitions to s3://{self.bucket}/{layout.ORDERS_ROOT}")


def invoice_time(record: Record) -> datetime:
    """A record's InvoiceDate as a UTC instant (the data set's times are UK local, read as UTC)."""
    return datetime.strptime(str(record["InvoiceDate"]), CSV_DATE).replace(tzinfo=timezone.utc)


def _object(lines: list[bytes], first: datetime, stream: str) -> LakeObject:
    raw = b"".join(lines)
    unique = uuid.UUID(bytes=hashlib.sha256(raw).digest()[:16], version=4)
    key = delivery_prefix(layout.ORDERS_PREFIX, first) + object_suffix(
        stream, STREAM_VERSION, first, extension=".gz", unique=str(unique))
    return LakeObject(key, gzip.compress(raw, mtime=0), len(lines), first)


def lake_objects(
    rows: Iterable[tuple[datetime, Record]],
    *,
    stream: str = "PurchaseLogs",
    buffer_seconds: float = layout.BUFFER_SECONDS,
    buffer_mb: float = layout.BUFFER_MB,
) -> Iterator[LakeObject]:
    """The objects Firehose would write for (arrival time, order record) rows, in arrival order (pure)."""
    limit = max(1, int(buffer_mb * MIB))
    lines: list[bytes] = []
    size = 0
    first: datetime | None = None
    last: datetime | None = None
    for arrival, record in rows:
        if arrival.tzinfo is None:
            arrival = arrival.replace(tzinfo=timezone.utc)
        arrival = max(arrival, last) if last else arrival
        last = arrival
        if first is not None and (arrival - first).total_seconds() >= buffer_seconds:
            yield _object(lines, first, stream)
            lines, size, first = [], 0, None
        data = encode(record)
        lines.append(data)
        size += len(data)
        first = first or arrival
        if size >= limit:
            yield _object(lines, first, stream)
            lines, size, first = [], 0, None
    if lines and first is not None:
        yield _object(lines, first, stream)


def write_lake(
    s3: Any,
    bucket: str,
    rows: Iterable[tuple[datetime, Record]],
    *,
    stream: str = "PurchaseLogs",
    buffer_seconds: float = layout.BUFFER_SECONDS,
    buffer_mb: float = layout.BUFFER_MB,
    progress: Callable[[int], None] | None = None,
) -> SeedSummary:
    """PutObject every object `lake_objects` yields for `rows` into `bucket`; `progress(lines)` per object."""
    summary = SeedSummary(bucket=bucket)

    def put(obj: LakeObject) -> LakeObject:
        s3.put_object(Bucket=bucket, Key=obj.key, Body=obj.body, ContentType="application/octet-stream")
        return obj

    objects = lake_objects(rows, stream=stream, buffer_seconds=buffer_seconds, buffer_mb=buffer_mb)
    with ThreadPoolExecutor(WRITERS, thread_name_prefix="lake-writer") as pool:
        for obj in pool.map(put, objects):
            summary.lines += obj.lines
            summary.objects += 1
            summary.bytes += len(obj.body)
            summary.partitions.add(obj.key.rsplit("/", 1)[0])
            if progress:
                progress(obj.lines)
    return summary


def seed(
    settings: Settings,
    *,
    file: Path | str | None = None,
    full: bool = False,
    buffer_seconds: float = layout.BUFFER_SECONDS,
    progress: Callable[[int], None] | None = None,
) -> SeedSummary:
    """Fill s3://<datalake>/orders/ from an order file, each line arriving at its InvoiceDate.

    `full` uses the full Online Retail file; default the shipped sample. What `cadabra lake seed` runs.
    """
    from sandbox import aws

    source = FULL_FILE if full else Path(file or SAMPLE_FILE)
    rows = ((invoice_time(record), record) for record in read_orders(source))
    return write_lake(aws.client("s3", settings), settings.names.datalake_bucket, rows,
                      stream=settings.names.purchase_firehose, buffer_seconds=buffer_seconds, progress=progress)
