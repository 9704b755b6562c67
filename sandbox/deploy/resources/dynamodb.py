"""DynamoDB tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from botocore.exceptions import ClientError

from sandbox.deploy.resources.base import Context, Outcome, Resource, error_code


@dataclass(frozen=True)
class Table(Resource):
    """A DynamoDB table, on-demand. Keys are (name, type) with type S, N or B."""

    name: str
    hash_key: tuple[str, str]
    range_key: tuple[str, str] | None = None
    stream_view: str | None = None  # e.g. NEW_AND_OLD_IMAGES enables DynamoDB Streams
    kind: ClassVar[str] = "table"
    order: ClassVar[int] = 10

    def apply(self, ctx: Context) -> Outcome:
        ddb = ctx.client("dynamodb")
        try:
            ddb.describe_table(TableName=self.name)
            return Outcome.UNCHANGED
        except ClientError as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
        keys = [self.hash_key] + ([self.range_key] if self.range_key else [])
        params: dict[str, Any] = {
            "TableName": self.name,
            "KeySchema": [{"AttributeName": n, "KeyType": t} for (n, _), t in zip(keys, ["HASH", "RANGE"])],
            "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in keys],
            "BillingMode": "PAY_PER_REQUEST",
        }
        if self.stream_view:
            params["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": self.stream_view}
        ddb.create_table(**params)
        ddb.get_waiter("table_exists").wait(TableName=self.name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        return Outcome.CREATED

    def destroy(self, ctx: Context) -> Outcome:
        try:
            ctx.client("dynamodb").delete_table(TableName=self.name)
            return Outcome.DELETED
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return Outcome.ABSENT
            raise
