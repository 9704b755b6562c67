"""Start moto's ThreadedMotoServer in this process and install the data-plane extensions.

Credentials test/test, account 000000000000 and region us-east-1, as with LocalStack, so
`aws --endpoint-url http://127.0.0.1:4566` and boto3 work unchanged. moto's reset
(``POST /moto-api/reset``) resets the extensions too (``Runtime.reset``), so a test or a user can
start clean without restarting the stack.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Sequence

from sandbox.localcloud import log_events, moto_answers, moto_fastpaths, moto_tracking, s3_storage
from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.registry import EXTENSIONS
from sandbox.localcloud.runtime import Extension, Runtime
from sandbox.settings import Settings, configure_moto

log = logging.getLogger(__name__)

RESET = seam.target("moto.moto_api._internal.models:MotoAPIBackend", "reset", "(self)")


class LocalCloud:
    """moto on `settings.hosts.aws:settings.ports.aws` plus the extensions, stopped by `stop()`."""

    def __init__(self, settings: Settings, extensions: Sequence[Callable[[], Extension]] = EXTENSIONS,
                 bind: tuple[str, int] | None = None) -> None:
        """`bind`: (address, port) to listen on instead of the settings' AWS endpoint (the Docker
        stack's `sandbox` service serves a few extensions beside LocalStack)."""
        self.settings = settings
        self._bind = bind or (settings.hosts.aws, settings.ports.aws)
        self.runtime = Runtime(settings)
        # the extensions read S3 objects from this process's moto only when it is the stack's S3
        # endpoint (not when it serves a few services beside LocalStack)
        self.runtime.serves_s3 = bind is None and settings.aws_endpoint is not None and "s3" not in settings.service_endpoints
        self._extensions = tuple(extensions)
        self._patches = seam.Patches()
        self._server: Any = None

    def start(self) -> "LocalCloud":
        configure_moto(self.settings)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log line per AWS call
        moto_fastpaths.install(self._patches)
        moto_tracking.install(self._patches)
        s3_storage.install(self._patches, s3_storage.BodyStore(self.settings.state_dir / "s3"))
        log_events.install(self._patches, self.settings.state_dir / "logs")
        moto_answers.install(self._patches)
        self._patches.replace(RESET, self._reset_hook)
        for make in self._extensions:
            extension = make()
            extension.install(self.runtime)
            self.runtime.extensions[extension.name] = extension
        self._server = seam.ThreadedMotoServer(
            ip_address=self._bind[0], port=self._bind[1], verbose=False
        )
        self._server.start()
        return self

    def _reset_hook(self, reset: Callable[[Any], None]) -> Callable[[Any], None]:
        runtime = self.runtime

        def reset_everything(backend: Any) -> None:
            reset(backend)
            runtime.reset()

        return reset_everything

    @property
    def port(self) -> int:
        return self._server.get_host_and_port()[1]

    def stop(self) -> None:
        for extension in reversed(list(self.runtime.extensions.values())):
            try:
                extension.shutdown()
            except Exception:  # one extension failing to stop must not keep the others running
                log.exception("stopping localcloud extension %s failed", extension.name)
        if self._server is not None:
            self._server.stop()
            self._server = None
        self._patches.undo()

    def __enter__(self) -> "LocalCloud":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
