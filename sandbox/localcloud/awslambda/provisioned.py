"""Provisioned concurrency configurations (moto has no route for them): Put, Get, Delete, List.

A configuration on a version or an alias is IN_PROGRESS when put and READY once its environments
are allocated (here: after ``ALLOCATION_SECONDS``); invocations of the version it names then run
in environments whose ``AWS_LAMBDA_INITIALIZATION_TYPE`` is ``provisioned-concurrency``, as AWS's
do (the others stay ``on-demand``).
https://docs.aws.amazon.com/lambda/latest/api/API_PutProvisionedConcurrencyConfig.html
https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html

Known gaps: no environments are started ahead of the first invocation (the first one is still a
cold start), a failing initialisation does not make the configuration FAILED, the allocated
count does not limit concurrency, and nothing is checked against the account's unreserved
concurrency.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.shared.actions import Request

ALLOCATION_SECONDS = 1.0
ON_DEMAND, PROVISIONED = "on-demand", "provisioned-concurrency"
Key = tuple[str, str, str, str]  # account, region, function name, qualifier


@dataclass
class Provisioned:
    requested: int
    version: str  # the version the qualifier named when the configuration was put
    put_at: float
    last_modified: str

    def ready(self) -> bool:
        return time.monotonic() - self.put_at >= ALLOCATION_SECONDS

    def to_json(self) -> dict[str, Any]:
        allocated = self.requested if self.ready() else 0
        return {
            "RequestedProvisionedConcurrentExecutions": self.requested,
            "AvailableProvisionedConcurrentExecutions": allocated,
            "AllocatedProvisionedConcurrentExecutions": allocated,
            "Status": "READY" if self.ready() else "IN_PROGRESS",
            "LastModified": self.last_modified,
        }


_configs: dict[Key, Provisioned] = {}
_lock = threading.Lock()


def reset() -> None:
    """moto's state was reset: the functions the configurations named are gone."""
    with _lock:
        _configs.clear()


def initialization_type(account_id: str, region: str, name: str, version: str) -> str:
    """``provisioned-concurrency`` when a READY configuration names `version` of the function."""
    if not _configs:
        return ON_DEMAND
    with _lock:
        found = [c for (a, r, n, _), c in _configs.items() if (a, r, n) == (account_id, region, name) and c.version == version]
    return PROVISIONED if any(c.ready() for c in found) else ON_DEMAND


def put(request: Request) -> dict[str, Any]:
    fn, qualifier = _qualified_function(request)
    requested = int(request.require("ProvisionedConcurrentExecutions"))
    if requested < 1:
        raise ApiError("ValidationException", f"1 validation error detected: Value '{requested}' at "
                       "'provisionedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 1")
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"
    config = Provisioned(requested, str(fn.version), time.monotonic(), now)
    with _lock:
        _configs[_key(request, fn, qualifier)] = config
    return config.to_json()


def get(request: Request) -> dict[str, Any]:
    fn, qualifier = _qualified_function(request)
    with _lock:
        config = _configs.get(_key(request, fn, qualifier))
    if config is None:
        raise ApiError("ProvisionedConcurrencyConfigNotFoundException", "No Provisioned Concurrency Config found for this function", 404)
    return config.to_json()


def delete(request: Request) -> dict[str, Any]:
    fn, qualifier = _qualified_function(request)
    with _lock:
        _configs.pop(_key(request, fn, qualifier), None)
    return {}


def list_configs(request: Request) -> dict[str, Any]:
    fn = _function(request, None)
    with _lock:
        found = [(key[3], c) for key, c in _configs.items() if key[:3] == (request.account_id, request.region, fn.function_name)]
    arn = fn.function_arn.rsplit(":", 1)[0] if fn.function_arn.endswith(":$LATEST") else fn.function_arn
    return {"ProvisionedConcurrencyConfigs": [{"FunctionArn": f"{arn}:{qualifier}", **c.to_json()} for qualifier, c in found]}


def ApiError(code: str, message: str, status: int = 400) -> Exception:
    """A Lambda error answer (with ``Type: User``, hooks.py) and its HTTP status."""
    error = seam.LambdaClientError(code, message)
    error.code = status
    return error


def _key(request: Request, fn: Any, qualifier: str) -> Key:
    return (request.account_id, request.region, fn.function_name, qualifier)


def _qualified_function(request: Request) -> tuple[Any, str]:
    qualifier = seam.request_parameter("Qualifier")
    if not qualifier:
        raise ApiError("ValidationException", "1 validation error detected: Value null at 'qualifier' failed to satisfy constraint: Member must not be null")
    if qualifier == "$LATEST":
        raise ApiError("InvalidParameterValueException", "Provisioned Concurrency Configs cannot be applied to unpublished function versions.")
    return _function(request, qualifier), qualifier


def _function(request: Request, qualifier: str | None) -> Any:
    name = seam.request_path().rstrip("/").split("/")[-2]
    backend = seam.backend("lambda", request.account_id, request.region)
    try:
        if qualifier and not qualifier.isdigit():  # an alias: the version it routes to
            alias = backend.get_alias(qualifier, name)
            return backend.get_function(name, alias.function_version)
        return backend.get_function(name, qualifier)
    except seam.LambdaClientError:
        raise
    except Exception:
        raise ApiError("ResourceNotFoundException", f"Function not found: {name}", 404) from None
