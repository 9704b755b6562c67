"""SQS queues."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from botocore.exceptions import ClientError

from sandbox.deploy.resources.base import Context, Outcome, Resource, error_code


@dataclass(frozen=True)
class Queue(Resource):
    name: str
    attributes: tuple[tuple[str, str], ...] = ()
    kind: ClassVar[str] = "queue"
    order: ClassVar[int] = 10

    def apply(self, ctx: Context) -> Outcome:
        sqs = ctx.client("sqs")
        try:
            url = sqs.get_queue_url(QueueName=self.name)["QueueUrl"]
        except ClientError as exc:
            if "NonExistentQueue" not in error_code(exc) and error_code(exc) != "QueueDoesNotExist":
                raise
            sqs.create_queue(QueueName=self.name, Attributes=dict(self.attributes))
            return Outcome.CREATED
        wanted = dict(self.attributes)
        if wanted:
            current = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(wanted))["Attributes"]
            if any(current.get(k) != v for k, v in wanted.items()):
                sqs.set_queue_attributes(QueueUrl=url, Attributes=wanted)
                return Outcome.UPDATED
        return Outcome.UNCHANGED

    def destroy(self, ctx: Context) -> Outcome:
        sqs = ctx.client("sqs")
        try:
            sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName=self.name)["QueueUrl"])
            return Outcome.DELETED
        except ClientError as exc:
            if "NonExistentQueue" in error_code(exc) or error_code(exc) == "QueueDoesNotExist":
                return Outcome.ABSENT
            raise
