"""SNS topics and subscriptions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from botocore.exceptions import ClientError

from sandbox.deploy.resources.awslambda import allow_invoke
from sandbox.deploy.resources.base import Arn, Context, Outcome, Resource, error_code


@dataclass(frozen=True)
class Topic(Resource):
    name: str
    kind: ClassVar[str] = "topic"
    order: ClassVar[int] = 10

    def apply(self, ctx: Context) -> Outcome:
        sns = ctx.client("sns")
        arn = Arn.topic(self.name).resolve(ctx)
        try:
            sns.get_topic_attributes(TopicArn=arn)
            return Outcome.UNCHANGED
        except ClientError as exc:
            if error_code(exc) != "NotFound":
                raise
        sns.create_topic(Name=self.name)  # CreateTopic is itself idempotent
        return Outcome.CREATED

    def destroy(self, ctx: Context) -> Outcome:
        sns = ctx.client("sns")
        arn = Arn.topic(self.name).resolve(ctx)
        try:
            sns.get_topic_attributes(TopicArn=arn)
        except ClientError:
            return Outcome.ABSENT
        sns.delete_topic(TopicArn=arn)
        return Outcome.DELETED


@dataclass(frozen=True)
class Subscription(Resource):
    """topic → endpoint; endpoint may be a reference (Arn.function('X'), Arn.queue('Q'))."""

    topic: str
    protocol: str
    endpoint: Any
    raw_message_delivery: bool = False
    kind: ClassVar[str] = "subscription"
    order: ClassVar[int] = 40

    @property
    def name(self) -> str:  # type: ignore[override]
        endpoint = self.endpoint.resource if isinstance(self.endpoint, Arn) else self.endpoint
        return f"{self.topic}->{self.protocol}:{endpoint}"

    def _existing(self, ctx: Context) -> str | None:
        sns = ctx.client("sns")
        endpoint = ctx.resolve(self.endpoint)
        for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=Arn.topic(self.topic).resolve(ctx)):
            for sub in page["Subscriptions"]:
                if sub["Protocol"] == self.protocol and sub["Endpoint"] == endpoint:
                    return sub["SubscriptionArn"]
        return None

    def apply(self, ctx: Context) -> Outcome:
        if self._existing(ctx):
            return Outcome.UNCHANGED
        attributes = {"RawMessageDelivery": "true"} if self.raw_message_delivery else {}
        ctx.client("sns").subscribe(
            TopicArn=Arn.topic(self.topic).resolve(ctx), Protocol=self.protocol,
            Endpoint=ctx.resolve(self.endpoint), Attributes=attributes, ReturnSubscriptionArn=True,
        )
        if self.protocol == "lambda":
            allow_invoke(ctx, self.endpoint, "sns.amazonaws.com", Arn.topic(self.topic).resolve(ctx))
        return Outcome.CREATED

    def destroy(self, ctx: Context) -> Outcome:
        try:
            arn = self._existing(ctx)
        except ClientError:
            return Outcome.ABSENT
        if arn is None:
            return Outcome.ABSENT
        ctx.client("sns").unsubscribe(SubscriptionArn=arn)
        return Outcome.DELETED
