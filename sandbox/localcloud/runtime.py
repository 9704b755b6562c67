"""The shared runtime every localcloud extension receives: settings, the invoker, destinations, reset.

Cross-service wiring lives here: an extension that needs to run a Lambda function calls
``runtime.invoke(...)`` and one that sends an invocation record calls ``runtime.destinations``;
no extension imports another.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from sandbox import aws
from sandbox.localcloud.shared.destinations import DestinationSender
from sandbox.localcloud.shared.s3_objects import ApiObjects, reader
from sandbox.settings import Settings

log = logging.getLogger(__name__)


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
Clients = Callable[[str, str], Any]  # (service, region) -> a boto3 client: Runtime.client
Objects = Callable[[str], ApiObjects]  # region -> the S3 object reader: Runtime.objects


class Extension(Protocol):
    """One emulated service's data plane, installed into the running moto server.

    Each package under sandbox/localcloud/ has one, in its ``extension.py``; registry.py lists them.
    """

    name: str  # the key of runtime.extensions and of the console's /api/localcloud/<name>

    def install(self, runtime: "Runtime") -> None:
        """Start the engine and install the hooks (through moto_seam)."""
        ...

    def shutdown(self) -> None:
        """Undo the hooks, then stop the engine (delivering what can still be delivered)."""
        ...

    def reset(self) -> None:
        """moto's state was reset (POST /moto-api/reset): drop what belonged to it."""
        ...

    def describe(self) -> list[dict[str, Any]]:
        """Rows for `cadabra ... list` and the console (state of pollers, buffers...)."""
        ...


@dataclass
class Runtime:
    settings: Settings
    extensions: dict[str, Extension] = field(default_factory=dict)
    _invoker: Invoker | None = None
    serves_s3: bool = False  # this process's moto is the stack's S3 (set by LocalCloud): objects are read in-process
    destinations: DestinationSender = field(init=False)
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict, init=False, repr=False)
    _clients_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self.destinations = DestinationSender(self.settings, self.invoke)

    def set_invoker(self, invoker: Invoker) -> None:
        """Called by the Lambda extension: from then on `invoke` runs real handlers."""
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

    def client(self, service: str, region: str) -> Any:
        """A boto3 client of `service` in `region` at the stack's endpoint: how the extensions that only
        react to other services reach them, so they serve the Docker stack beside LocalStack too.
        One client per (service, region), made on first use (boto3 clients are thread-safe; making
        one costs tens of milliseconds, more than the call an Athena query or a statement makes)."""
        with self._clients_lock:
            made = self._clients.get((service, region))
            if made is None:
                made = self._clients[(service, region)] = aws.client(service, self.settings, region_name=region)
            return made

    def objects(self, region: str) -> ApiObjects:
        """The reader of S3 objects for extensions that scan buckets (crawler, Athena, COPY): in-process
        from moto when this process serves the stack's S3, else through the S3 API."""
        # LocalCloud pins moto to the settings' account (configure_moto): every request is that account's
        return reader(self.client("s3", region), in_process=self.serves_s3, account_id=self.settings.account_id)

    def reset(self) -> None:
        """After moto's reset: every extension drops its state (one failing does not stop the others)."""
        for extension in list(self.extensions.values()):
            try:
                extension.reset()
            except Exception:
                log.exception("resetting localcloud extension %s failed", extension.name)
