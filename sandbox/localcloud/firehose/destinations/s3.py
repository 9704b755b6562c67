"""Amazon S3 destination (ExtendedS3DestinationConfiguration and S3DestinationConfiguration).

https://docs.aws.amazon.com/firehose/latest/dev/create-destination.html#create-destination-s3 and
https://docs.aws.amazon.com/firehose/latest/dev/basic-deliver.html#s3-object-name: records are
concatenated as sent (Firehose adds no delimiter) into one object per buffer flush, named
`<evaluated prefix><stream>-<version>-YYYY-MM-DD-HH-MM-SS-<uuid>[.gz]`. Failed deliveries are
retried (AWS retries up to 24 hours). `S3Location` is reused by the OpenSearch destination for its
backup bucket.

Known gaps: Snappy/HADOOP_SNAPPY are written uncompressed (with a warning); record format
conversion and dynamic partitioning are not emulated.
"""

from __future__ import annotations

import gzip
import io
import logging
import zipfile
import zoneinfo
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from sandbox.localcloud.firehose import prefixes
from sandbox.localcloud.firehose.destinations.base import DeliveryContext, Outcome
from sandbox.localcloud.firehose.records import BufferingHints, Record, ndjson
from sandbox.localcloud.firehose.store import bucket_name

log = logging.getLogger(__name__)

S3_RETRY_SECONDS = 24 * 3600


def _compress(body: bytes, compression: str) -> tuple[bytes, str]:
    if compression == "GZIP":
        return gzip.compress(body), ".gz"
    if compression == "ZIP":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("data", body)
        return out.getvalue(), ".zip"
    if compression not in ("UNCOMPRESSED", ""):
        log.warning("CompressionFormat %s is not emulated: writing the object uncompressed", compression)
    return body, ""


@dataclass(frozen=True)
class S3Location:
    """A bucket with Prefix/ErrorOutputPrefix, compression and time zone: where objects are written."""

    bucket: str
    prefix: str
    error_prefix: str
    compression: str
    file_extension: str | None
    zone: tzinfo | None
    buffering: BufferingHints

    @classmethod
    def from_description(cls, raw: dict[str, Any]) -> "S3Location":
        zone_name = raw.get("CustomTimeZone")
        return cls(
            bucket=bucket_name(raw["BucketARN"]),
            prefix=raw.get("Prefix") or "",
            error_prefix=raw.get("ErrorOutputPrefix") or "",
            compression=(raw.get("CompressionFormat") or "UNCOMPRESSED").upper(),
            file_extension=raw.get("FileExtension") or None,
            zone=zoneinfo.ZoneInfo(zone_name) if zone_name and zone_name != "UTC" else None,
            buffering=BufferingHints.from_config(raw.get("BufferingHints")),
        )

    def _put(self, body: bytes, records: list[Record], ctx: DeliveryContext, error_type: str | None) -> str:
        when = prefixes.in_zone(min(record.arrival for record in records), self.zone)
        rnd = prefixes.random_string()
        if error_type is None:
            key_prefix = prefixes.delivery_prefix(self.prefix, when, random=rnd)
        else:
            key_prefix = prefixes.error_prefix(self.prefix, self.error_prefix, error_type, when, random=rnd)
        payload, extension = _compress(body, self.compression)
        if self.file_extension is not None:
            extension = self.file_extension
        key = key_prefix + prefixes.object_suffix(ctx.stream.name, ctx.stream.version, when, extension=extension)
        ctx.store.put(self.bucket, key, payload)
        return key

    def write(self, records: list[Record], ctx: DeliveryContext) -> str:
        """One object holding the records' data, under the delivery prefix."""
        return self._put(b"".join(record.data for record in records), records, ctx, None)

    def write_documents(
        self, records: list[Record], error_type: str, documents: list[dict[str, Any]], ctx: DeliveryContext
    ) -> str:
        """One object of error documents (JSON lines) under the error prefix for `error_type`."""
        return self._put(ndjson(documents), records, ctx, error_type)


class S3Destination:
    """Buffers flush into one S3 object each; processing failures go to the error prefix."""

    retry_seconds = S3_RETRY_SECONDS

    def __init__(self, kind: str, raw: dict[str, Any]) -> None:
        self.kind = kind
        self.location = S3Location.from_description(raw)
        self.buffering = self.location.buffering
        backup = raw.get("S3BackupDescription")
        enabled = raw.get("S3BackupMode") == "Enabled" and backup
        self.source_backup = S3Location.from_description(backup) if enabled else None

    def deliver(self, records: list[Record], ctx: DeliveryContext, *, attempts: int, give_up: bool) -> Outcome:
        try:
            self.location.write(records, ctx)
        except Exception as exc:  # a missing bucket: keep the records and try again
            message = f"S3 delivery to bucket {self.location.bucket} failed: {exc!r}"
            if give_up:
                log.error("%s; %d records of %s are lost", message, len(records), ctx.stream.name)
                return Outcome(failed=len(records), error=message)
            return Outcome(retry=records, error=message)
        return Outcome(delivered=len(records))

    def write_failed(
        self, records: list[Record], error_type: str, documents: list[dict[str, Any]], ctx: DeliveryContext
    ) -> None:
        self.location.write_documents(records, error_type, documents, ctx)
