"""boto3 clients for the stack in use: the one place that turns settings into clients."""

from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.config import Config

from sandbox.arn import build
from sandbox.settings import Settings, get_settings

_CONFIG = Config(retries={"max_attempts": 3, "mode": "standard"}, max_pool_connections=32)


def client(service: str, settings: Settings | None = None, **kwargs: Any) -> Any:
    """A boto3 client for `service` pointed at the stack's endpoint (cached per settings)."""
    settings = settings or get_settings()
    if kwargs:
        return _make(service, settings, **kwargs)
    return _cached(service, settings)


@functools.lru_cache(maxsize=64)
def _cached(service: str, settings: Settings) -> Any:
    return _make(service, settings)


def _make(service: str, settings: Settings, **kwargs: Any) -> Any:
    return boto3.session.Session().client(service, **_options(service, settings, **kwargs))


def _options(service: str, settings: Settings, **kwargs: Any) -> dict[str, Any]:
    """Region, endpoint (the per-service one where the stack has it), credentials, retries."""
    options: dict[str, Any] = {"region_name": settings.region, "config": _CONFIG}
    endpoint = settings.endpoint_for(service)
    if endpoint:
        options["endpoint_url"] = endpoint
    options.update(settings.aws_credentials)
    options.update(kwargs)
    return options


def arn(settings: Settings, service: str, resource: str) -> str:
    """An ARN in the stack's account and region, e.g. arn(s, 'kinesis', 'stream/CadabraOrders')."""
    return build(service, settings.region, settings.account_id, resource)


def resource(service: str, settings: Settings | None = None) -> Any:
    """A boto3 resource (e.g. DynamoDB's Table with its batch_writer) on the stack's endpoint."""
    return boto3.session.Session().resource(service, **_options(service, settings or get_settings()))
