"""Writes Firehose output objects into moto's S3 backend, in this process.

Why in-process and not boto3: the engine runs inside the localcloud server next to moto, the
delivery stream lives in a given account and region of moto's state, and moto's own Firehose
writes the same way. Going through the backend needs no credentials or HTTP round trip, keeps
working during shutdown's final flush, and still fires S3 event notifications (moto's put_object
sends them). A missing bucket raises, and the engine keeps the records to retry.
"""

from __future__ import annotations

from typing import Protocol


class ObjectStore(Protocol):
    def put(self, bucket: str, key: str, body: bytes) -> None: ...


def bucket_name(bucket_arn: str) -> str:
    """`arn:aws:s3:::name` -> `name` (a bare name passes through)."""
    return bucket_arn.split(":::", 1)[-1] if ":::" in bucket_arn else bucket_arn.rsplit(":", 1)[-1]


class MotoS3Store:
    """put_object on moto's S3 backend of one account and partition."""

    def __init__(self, account_id: str, partition: str = "aws") -> None:
        self.account_id = account_id
        self.partition = partition

    def put(self, bucket: str, key: str, body: bytes) -> None:
        from moto.s3.models import s3_backends

        s3_backends[self.account_id][self.partition].put_object(bucket, key, body)
