"""Account-level Lambda actions moto lacks: GetAccountSettings (no route) and GetLayerVersionByArn.

AccountLimit carries AWS's default quotas (75 GB of code in total, 250 MB unzipped, 50 MB zipped,
1,000 concurrent executions) and what reserved concurrency leaves of them; AccountUsage counts the
functions of the region and sums the code size of every function version and layer version, as
AWS does (publishing a version or a layer version adds its code again).
https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html
https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html

GetLayerVersionByArn answers as GetLayerVersion does, for the layer version the ARN names.
https://docs.aws.amazon.com/lambda/latest/api/API_GetLayerVersionByArn.html

Known gaps: the limits are AWS's defaults, not a particular account's raised quotas.
"""

from __future__ import annotations

from typing import Any, Iterator

from sandbox.localcloud import moto_seam as seam
from sandbox.arn import parse_as
from sandbox.localcloud.shared.actions import ApiError, Request

TOTAL_CODE_SIZE = 75 * 1024**3  # 80530636800, as AWS answers
CODE_SIZE_UNZIPPED = 262_144_000
CODE_SIZE_ZIPPED = 52_428_800
CONCURRENT_EXECUTIONS = 1000


def account_settings(request: Request) -> dict[str, Any]:
    """The GetAccountSettings answer for the request's account and region."""
    backend = seam.backend("lambda", request.account_id, request.region)
    functions = list(_function_groups(backend))
    reserved = sum(int(group["latest"].reserved_concurrency or 0) for group in functions if group["latest"] is not None)
    code = sum(int(fn.code_size or 0) for group in functions for fn in _versions(group))
    code += sum(int(layer.code_size or 0) for layer in _layer_versions(backend))
    return {
        "AccountLimit": {
            "TotalCodeSize": TOTAL_CODE_SIZE,
            "CodeSizeUnzipped": CODE_SIZE_UNZIPPED,
            "CodeSizeZipped": CODE_SIZE_ZIPPED,
            "ConcurrentExecutions": CONCURRENT_EXECUTIONS,
            "UnreservedConcurrentExecutions": CONCURRENT_EXECUTIONS - reserved,
        },
        "AccountUsage": {
            "TotalCodeSize": code,
            "FunctionCount": sum(1 for group in functions if group["latest"] is not None),
        },
    }


def layer_version_by_arn(request: Request) -> dict[str, Any]:
    """The layer version named by the ``Arn`` query parameter (arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION)."""
    arn = seam.request_parameter("Arn") or ""
    parsed = parse_as(arn, "lambda", "layer")
    _, name, version = (parsed.resource.split(":") + ["", ""])[:3] if parsed else ("", "", "")
    if parsed is None or not version.isdigit():
        raise ApiError("ValidationException", f"1 validation error detected: Value '{arn}' at 'arn' failed to satisfy constraint: "
                       "Member must satisfy regular expression pattern: "
                       "(arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|"
                       "(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)")
    backend = seam.backend("lambda", parsed.account, parsed.region)
    for layer_version in backend.list_layer_versions(name):
        if int(layer_version.version) == int(version):
            return layer_version.get_layer_version()
    raise ApiError("ResourceNotFoundException", "The resource you requested does not exist.", 404)


def _function_groups(backend: Any) -> Iterator[dict[str, Any]]:
    return iter(list(backend._lambdas._functions.values()))  # {"latest": fn, "versions": [fn, ...]}


def _versions(group: dict[str, Any]) -> Iterator[Any]:
    if group["latest"] is not None:
        yield group["latest"]
    yield from group["versions"]


def _layer_versions(backend: Any) -> Iterator[Any]:
    for layer in list(backend._layers._layers.values()):
        yield from list(layer.layer_versions.values())
