"""Apply every pipeline's declared resources idempotently, in dependency order; or remove them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from sandbox import aws
from sandbox.deploy.resources import Outcome, Resource, Role
from sandbox.pipelines_registry import pipeline_module, pipeline_names
from sandbox.settings import Settings

Progress = Callable[[str], None]


class DeployError(RuntimeError):
    pass


@dataclass
class _Context:
    settings: Settings

    def client(self, service: str) -> Any:
        return aws.client(service, self.settings)

    def resolve(self, value: Any) -> Any:
        resolver = getattr(value, "resolve", None)
        return resolver(self) if callable(resolver) else value


@dataclass
class DeployReport:
    outcomes: list[tuple[str, str, Outcome]] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for *_, o in self.outcomes if o is outcome)

    def summary(self) -> str:
        parts = [f"{self.count(o)} {o.value}" for o in Outcome if self.count(o)]
        return ", ".join(parts) or "nothing to do"


def collect(names: list[str] | None = None) -> list[Resource]:
    """All resources declared by the pipelines (or the named ones), deduplicated, dependencies first."""
    resources: dict[tuple[str, str], Resource] = {}
    functions = False
    for name in names or pipeline_names():
        module = pipeline_module(name, "resources")
        if module is None:
            continue  # a pipeline without resources yet
        for resource in module.RESOURCES:
            existing = resources.get(resource.key)
            if existing is not None and existing != resource:
                raise DeployError(f"{resource.kind} {resource.name!r} is declared twice with different settings")
            resources[resource.key] = resource
            functions |= resource.kind in {"function", "delivery-stream"}
    if functions:
        role = Role("cadabra-lambda-role")
        resources.setdefault(role.key, role)
    return sorted(resources.values(), key=_order)


def _chosen(names: list[str] | None, resources: list[Resource] | None) -> list[Resource]:
    return collect(names) if resources is None else sorted(resources, key=_order)


def _order(resource: Resource) -> tuple[int, str, str]:
    return (resource.order, resource.kind, resource.name)


def deploy(
    settings: Settings,
    names: list[str] | None = None,
    progress: Progress = lambda _m: None,
    resources: list[Resource] | None = None,
) -> DeployReport:
    """Apply the pipelines' resources (or `resources`), dependencies first."""
    ctx = _Context(settings)
    report = DeployReport()
    for resource in _chosen(names, resources):
        try:
            outcome = resource.apply(ctx)
        except Exception as exc:
            raise DeployError(f"deploying {resource.kind} {resource.name!r} failed: {exc}") from exc
        report.outcomes.append((resource.kind, resource.name, outcome))
        if outcome is not Outcome.UNCHANGED:
            progress(f"{outcome.value:9} {resource.kind} {resource.name}")
    return report


def destroy(
    settings: Settings,
    names: list[str] | None = None,
    progress: Progress = lambda _m: None,
    resources: list[Resource] | None = None,
) -> DeployReport:
    """Remove the pipelines' resources (or `resources`), dependents first."""
    ctx = _Context(settings)
    report = DeployReport()
    for resource in reversed(_chosen(names, resources)):
        outcome = resource.destroy(ctx)
        report.outcomes.append((resource.kind, resource.name, outcome))
        if outcome is Outcome.DELETED:
            progress(f"deleted   {resource.kind} {resource.name}")
    return report


def inventory(settings: Settings) -> dict[str, list[str]]:
    """Every resource of the kinds the engine manages, as the AWS APIs list them (for checks and tests)."""
    c = lambda s: aws.client(s, settings)  # noqa: E731
    lam = c("lambda")
    topics = [t["TopicArn"] for p in c("sns").get_paginator("list_topics").paginate() for t in p["Topics"]]
    return {
        "bucket": sorted(b["Name"] for b in c("s3").list_buckets().get("Buckets", [])),
        "stream": sorted(c("kinesis").list_streams()["StreamNames"]),
        "table": sorted(c("dynamodb").list_tables()["TableNames"]),
        "queue": sorted(c("sqs").list_queues().get("QueueUrls", [])),
        "topic": sorted(topics),
        "subscription": sorted(
            f'{s["TopicArn"]} {s["Protocol"]} {s["Endpoint"]}'
            for p in c("sns").get_paginator("list_subscriptions").paginate() for s in p["Subscriptions"]
        ),
        "function": sorted(
            f["FunctionName"] for p in lam.get_paginator("list_functions").paginate() for f in p["Functions"]
        ),
        "event-source-mapping": sorted(
            f'{m["EventSourceArn"]} {m["FunctionArn"]}'
            for p in lam.get_paginator("list_event_source_mappings").paginate() for m in p["EventSourceMappings"]
        ),
        "delivery-stream": sorted(c("firehose").list_delivery_streams()["DeliveryStreamNames"]),
        "glue-database": sorted(d["Name"] for d in c("glue").get_databases()["DatabaseList"]),
    }
