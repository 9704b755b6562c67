"""Kinesis data streams."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from botocore.exceptions import ClientError

from sandbox.deploy.resources.base import Context, Outcome, Resource, error_code


@dataclass(frozen=True)
class Stream(Resource):
    """A Kinesis data stream (provisioned)."""

    name: str
    shards: int = 2
    kind: ClassVar[str] = "stream"
    order: ClassVar[int] = 10

    def apply(self, ctx: Context) -> Outcome:
        kinesis = ctx.client("kinesis")
        try:
            summary = kinesis.describe_stream_summary(StreamName=self.name)["StreamDescriptionSummary"]
        except ClientError as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
            kinesis.create_stream(StreamName=self.name, ShardCount=self.shards)
            kinesis.get_waiter("stream_exists").wait(StreamName=self.name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
            return Outcome.CREATED
        if summary["OpenShardCount"] != self.shards:
            kinesis.update_shard_count(StreamName=self.name, TargetShardCount=self.shards, ScalingType="UNIFORM_SCALING")
            return Outcome.UPDATED
        return Outcome.UNCHANGED

    def destroy(self, ctx: Context) -> Outcome:
        try:
            ctx.client("kinesis").delete_stream(StreamName=self.name, EnforceConsumerDeletion=True)
            return Outcome.DELETED
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return Outcome.ABSENT
            raise
