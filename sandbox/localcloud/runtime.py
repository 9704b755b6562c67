"""The shared runtime every localcloud extension receives: settings, the invoker, the extension list."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from sandbox.settings import Settings


@dataclass
class InvocationResult:
    """What one Lambda invocation returned, in the Invoke API's terms."""

    status_code: int  # 200 RequestResponse, 202 Event, 204 DryRun
    payload: bytes  # the function's JSON answer, or the error document
    function_error: str | None = None  # "Unhandled" when the function raised or timed out
    log_tail: str = ""  # the last 4 KB of the invocation's log, as x-amz-log-result carries
    request_id: str = ""
    executed_version: str = "$LATEST"

    @property
    def ok(self) -> bool:
        return self.function_error is None


Invoker = Callable[..., InvocationResult]


class Extension(Protocol):
    """A data-plane behaviour: installed once into the running moto server, shut down at stop."""

    name: str

    def install(self, runtime: "Runtime") -> None: ...

    def shutdown(self) -> None: ...

    def describe(self) -> list[dict[str, Any]]:
        """Rows for `cadabra ... list` and the console (state of pollers, buffers...)."""
        ...


@dataclass
class Runtime:
    settings: Settings
    extensions: dict[str, Extension] = field(default_factory=dict)
    _invoker: Invoker | None = None

    def set_invoker(self, invoker: Invoker) -> None:
        """Called by the Lambda executor: from then on `invoke` runs real handlers."""
        self._invoker = invoker

    def invoke(
        self,
        function: str,
        payload: bytes,
        *,
        invocation_type: str = "RequestResponse",
        qualifier: str | None = None,
    ) -> InvocationResult:
        """Invoke a function by name or ARN, as the Invoke API would (used by internal triggers)."""
        if self._invoker is None:
            raise RuntimeError("the Lambda executor is not installed: localcloud cannot run functions")
        return self._invoker(function, payload, invocation_type=invocation_type, qualifier=qualifier)
