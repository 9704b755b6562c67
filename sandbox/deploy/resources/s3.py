"""S3 buckets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from botocore.exceptions import ClientError

from sandbox.deploy.resources.base import Context, Outcome, Resource, error_code


@dataclass(frozen=True)
class Bucket(Resource):
    name: str
    kind: ClassVar[str] = "bucket"
    order: ClassVar[int] = 10

    def apply(self, ctx: Context) -> Outcome:
        s3 = ctx.client("s3")
        try:
            s3.head_bucket(Bucket=self.name)
            return Outcome.UNCHANGED
        except ClientError as exc:
            if error_code(exc) not in {"404", "NoSuchBucket", "NotFound"}:
                raise
        params: dict[str, Any] = {"Bucket": self.name}
        if ctx.settings.region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": ctx.settings.region}
        s3.create_bucket(**params)
        return Outcome.CREATED

    def destroy(self, ctx: Context) -> Outcome:
        s3 = ctx.client("s3")
        try:
            paginator = s3.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.name):
                keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
                if keys:
                    s3.delete_objects(Bucket=self.name, Delete={"Objects": keys})
            s3.delete_bucket(Bucket=self.name)
            return Outcome.DELETED
        except ClientError as exc:
            if error_code(exc) in {"404", "NoSuchBucket"}:
                return Outcome.ABSENT
            raise
