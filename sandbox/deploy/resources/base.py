"""What every resource shares: the Resource base class, outcomes, and references resolved at deploy time.

Values that only exist after deploy (a queue's URL, a stream's ARN) are written as references
(`QueueUrl("X")`, `Arn.stream("X")`, `Setting("opensearch_url")`) and resolved by the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Protocol

from botocore.exceptions import ClientError

from sandbox import arn
from sandbox.settings import Settings


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DELETED = "deleted"
    ABSENT = "absent"


class Context(Protocol):
    settings: Settings

    def client(self, service: str) -> Any: ...

    def resolve(self, value: Any) -> Any: ...


def error_code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


# -- references -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueUrl:
    queue: str

    def resolve(self, ctx: Context) -> str:
        return ctx.client("sqs").get_queue_url(QueueName=self.queue)["QueueUrl"]


@dataclass(frozen=True)
class Arn:
    """An ARN in the stack's account and region, e.g. Arn.stream('CadabraOrders')."""

    service: str
    resource: str

    @classmethod
    def stream(cls, name: str) -> "Arn":
        return cls("kinesis", f"stream/{name}")

    @classmethod
    def queue(cls, name: str) -> "Arn":
        return cls("sqs", name)

    @classmethod
    def topic(cls, name: str) -> "Arn":
        return cls("sns", name)

    @classmethod
    def function(cls, name: str) -> "Arn":
        return cls("lambda", f"function:{name}")

    @classmethod
    def bucket(cls, name: str) -> "Arn":
        return cls("s3", name)

    @classmethod
    def role(cls, name: str) -> "Arn":
        return cls("iam", f"role/{name}")

    def resolve(self, ctx: Context) -> str:
        return arn.build(self.service, ctx.settings.region, ctx.settings.account_id, self.resource)


@dataclass(frozen=True)
class Setting:
    """A value taken from the settings at deploy time, e.g. Setting('opensearch_url')."""

    attribute: str

    def resolve(self, ctx: Context) -> Any:
        return getattr(ctx.settings, self.attribute)


# -- resources ------------------------------------------------------------------------------


class Resource:
    kind: ClassVar[str]
    order: ClassVar[int]  # dependencies first: lower orders are applied first, destroyed last
    name: str

    def apply(self, ctx: Context) -> Outcome:
        raise NotImplementedError

    def destroy(self, ctx: Context) -> Outcome:
        raise NotImplementedError

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.name)


def resolve_deep(ctx: Context, value: Any) -> Any:
    """`value` with every reference inside dicts and lists resolved."""
    if isinstance(value, dict):
        return {k: resolve_deep(ctx, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [resolve_deep(ctx, v) for v in value]
    return ctx.resolve(value)
