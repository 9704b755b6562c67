"""Firehose delivery streams (changed declarations applied with UpdateDestination)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

from botocore.exceptions import ClientError

from sandbox.deploy.resources.base import Arn, Context, Outcome, Resource, error_code, resolve_deep


@dataclass(frozen=True)
class DeliveryStream(Resource):
    """A Firehose delivery stream. `destination` is the Create call's destination parameters
    (e.g. {"ExtendedS3DestinationConfiguration": {...}}), with references resolved at deploy time."""

    name: str
    destination: dict[str, Any] = field(default_factory=dict, hash=False)
    source_stream: str | None = None  # a Kinesis stream name → KinesisStreamAsSource
    kind: ClassVar[str] = "delivery-stream"
    order: ClassVar[int] = 30

    CONFIG_TAG: ClassVar[str] = "cadabra:config-sha256"  # the declared configuration last applied

    def _create_parameters(self, ctx: Context) -> dict[str, Any]:
        params: dict[str, Any] = {"DeliveryStreamName": self.name, "DeliveryStreamType": "DirectPut"}
        if self.source_stream:
            params["DeliveryStreamType"] = "KinesisStreamAsSource"
            params["KinesisStreamSourceConfiguration"] = {
                "KinesisStreamARN": Arn.stream(self.source_stream).resolve(ctx),
                "RoleARN": Arn.role("cadabra-lambda-role").resolve(ctx),
            }
        params.update(resolve_deep(ctx, self.destination))
        return params

    def apply(self, ctx: Context) -> Outcome:
        """Create the stream, or UpdateDestination when the declaration changed since the last deploy
        (tracked by a tag, so changes made at run time, e.g. the demo's lower buffering, stay)."""
        firehose = ctx.client("firehose")
        params = self._create_parameters(ctx)
        digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()
        try:
            description = firehose.describe_delivery_stream(DeliveryStreamName=self.name)["DeliveryStreamDescription"]
        except ClientError as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
            firehose.create_delivery_stream(**params, Tags=[{"Key": self.CONFIG_TAG, "Value": digest}])
            return Outcome.CREATED
        tags = firehose.list_tags_for_delivery_stream(DeliveryStreamName=self.name)["Tags"]
        if {t["Key"]: t["Value"] for t in tags}.get(self.CONFIG_TAG) == digest:
            return Outcome.UNCHANGED
        firehose.update_destination(
            DeliveryStreamName=self.name,
            CurrentDeliveryStreamVersionId=description["VersionId"],
            DestinationId=description["Destinations"][0]["DestinationId"],
            **_destination_update(firehose, params),
        )
        firehose.tag_delivery_stream(DeliveryStreamName=self.name, Tags=[{"Key": self.CONFIG_TAG, "Value": digest}])
        return Outcome.UPDATED

    def destroy(self, ctx: Context) -> Outcome:
        try:
            ctx.client("firehose").delete_delivery_stream(DeliveryStreamName=self.name)
            return Outcome.DELETED
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return Outcome.ABSENT
            raise


_UPDATE_RENAMES = {"S3Configuration": "S3Update", "S3BackupConfiguration": "S3BackupUpdate"}


def _destination_update(firehose: Any, params: dict[str, Any]) -> dict[str, Any]:
    """UpdateDestination's parameters for a CreateDeliveryStream destination: `XDestinationConfiguration`
    becomes `XDestinationUpdate` with the fields the API lets change (e.g. not S3BackupMode)."""
    shapes = firehose.meta.service_model.operation_model("UpdateDestination").input_shape.members
    for key, config in params.items():
        if key.endswith("DestinationConfiguration"):
            update_key = key.replace("DestinationConfiguration", "DestinationUpdate")
            allowed = shapes[update_key].members
            return {update_key: {_UPDATE_RENAMES.get(k, k): v for k, v in config.items()
                                 if _UPDATE_RENAMES.get(k, k) in allowed}}
    raise ValueError("a delivery stream needs one ...DestinationConfiguration")
