"""Invoke the mapped function with one batch and read its answer, partial batch responses included.

https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html
https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from sandbox.localcloud.runtime import InvocationResult, Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """How one invocation went. `failed` holds the identifiers a partial batch response named."""

    ok: bool
    result: InvocationResult | None
    error: str = ""
    failed: tuple[str, ...] = ()

    @property
    def partial(self) -> bool:
        return bool(self.failed)


class Sender:
    """Turns a batch of event records into one synchronous invocation through the runtime."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def send(
        self, function_arn: str, records: list[dict[str, Any]], identifiers: list[str], report_item_failures: bool
    ) -> Outcome:
        payload = json.dumps({"Records": records}, separators=(",", ":")).encode()
        try:
            result = self._runtime.invoke(function_arn, payload)
        except Exception as exc:  # the function is gone, the executor is missing...: retried like an error
            log.warning("invoking %s failed: %s", function_arn, exc)
            return Outcome(False, None, str(exc))
        if result.function_error or result.status_code >= 300:
            return Outcome(False, result, result.function_error or f"status {result.status_code}")
        if not report_item_failures:
            return Outcome(True, result)
        return _partial_response(result, identifiers)


def _partial_response(result: InvocationResult, identifiers: list[str]) -> Outcome:
    """Apply AWS's rules: no/empty batchItemFailures = success; a bad identifier = whole batch failed."""
    try:
        answer = json.loads(result.payload or b"null")
    except ValueError:
        return Outcome(True, result)
    failures = answer.get("batchItemFailures") if isinstance(answer, dict) else None
    if not failures:
        return Outcome(True, result)
    known = set(identifiers)
    named: list[str] = []
    for entry in failures:
        identifier = entry.get("itemIdentifier") if isinstance(entry, dict) else None
        if not identifier or str(identifier) not in known:
            return Outcome(False, result, f"invalid itemIdentifier {identifier!r} in batchItemFailures")
        named.append(str(identifier))
    return Outcome(False, result, "batch item failures", tuple(named))
