"""Listing and reading S3 objects for the extensions that scan a lake: the crawler, Athena, COPY, Spectrum.

Two readers with one interface (``list(bucket, prefix)``, ``read(bucket, key)``):

- ``ApiObjects``: ListObjectsV2 and GetObject through a boto3 client, what runs wherever S3 is not
  this process's (the Docker stack serves these extensions beside LocalStack's S3);
- ``InProcessObjects``: when this process's moto serves the stack's S3 (the embedded stack), the
  same answers read from moto's S3 backend through the seam, without an HTTP round trip per object
  (~6 ms of one GIL each: a 23,260-object lake cost minutes per scan). Whatever is not the plain
  case (another account's bucket, a delete marker, an archived object...) goes to the API, so
  errors are the API's own.

``Runtime.objects(region)`` picks the reader; nothing else decides.
Emulates https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html and
API_GetObject.html (latest versions, delete markers hidden). Known gap: in-process reads skip
moto's IAM check (moto enforces none unless told to) and its request metrics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.localcloud import moto_seam as seam


@dataclass(frozen=True)
class ObjectEntry:
    """One listed object: what ListObjectsV2 says of it."""

    key: str
    size: int
    etag: str


class ApiObjects:
    """Objects through the S3 API (a boto3 client)."""

    in_process = False

    def __init__(self, s3: Any) -> None:
        self.s3 = s3

    def list(self, bucket: str, prefix: str) -> list[ObjectEntry]:
        """Every object under `prefix`, in key order (ListObjectsV2 pages)."""
        listed = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            listed.extend(ObjectEntry(o["Key"], o["Size"], o.get("ETag", "")) for o in page.get("Contents", []))
        return listed

    def read(self, bucket: str, key: str) -> bytes:
        """The object's bytes (GetObject; its errors as botocore raises them)."""
        return self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()


class InProcessObjects(ApiObjects):
    """Objects read from this process's moto, the API only for what is not the plain case."""

    in_process = True

    def __init__(self, s3: Any, account_id: str) -> None:
        super().__init__(s3)
        self.account_id = account_id

    def list(self, bucket: str, prefix: str) -> list[ObjectEntry]:
        listed = seam.s3_listing(self.account_id, bucket, prefix)
        if listed is None:
            return super().list(bucket, prefix)
        return [ObjectEntry(key, size, etag) for key, size, etag in listed]

    def read(self, bucket: str, key: str) -> bytes:
        found = seam.s3_latest(self.account_id, bucket, key)
        return found[0] if found is not None else super().read(bucket, key)


def reader(s3: Any, *, in_process: bool, account_id: str) -> ApiObjects:
    """The reader for a boto3 S3 client `s3` of `account_id`: in-process when this process's moto is that endpoint."""
    return InProcessObjects(s3, account_id) if in_process else ApiObjects(s3)
