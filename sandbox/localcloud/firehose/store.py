"""Writes Firehose output objects into moto's S3 backend, in this process.

Why in-process and not boto3: the engine runs inside the localcloud server next to moto, the
delivery stream lives in a given account and region of moto's state, and moto's own Firehose
writes the same way. Going through the backend needs no credentials or HTTP round trip, keeps
working during shutdown's final flush, and still fires S3 event notifications (moto's put_object
sends them). A missing bucket raises, and the engine keeps the records to retry.
"""

from __future__ import annotations

from typing import Protocol

from sandbox.arn import bucket_name
from sandbox.localcloud import moto_seam as seam

__all__ = ["MotoS3Store", "ObjectStore", "bucket_name"]


class ObjectStore(Protocol):
    def put(self, bucket: str, key: str, body: bytes) -> None: ...


class MotoS3Store:
    """put_object on moto's S3 backend of one account and partition."""

    def __init__(self, account_id: str, partition: str = "aws") -> None:
        self.account_id = account_id
        self.partition = partition

    def put(self, bucket: str, key: str, body: bytes) -> None:
        seam.backend("s3", self.account_id, self.partition).put_object(bucket, key, body)
