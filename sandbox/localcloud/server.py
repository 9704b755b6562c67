"""Start moto's ThreadedMotoServer in this process and install the data-plane extensions.

Credentials test/test, account 000000000000 and region us-east-1, as with LocalStack, so
`aws --endpoint-url http://127.0.0.1:4566` and boto3 work unchanged.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from sandbox.localcloud import extension_modules, moto_fastpaths
from sandbox.localcloud.runtime import Runtime
from sandbox.settings import Settings, configure_moto

log = logging.getLogger(__name__)


class LocalCloud:
    """moto on `settings.host:settings.ports.aws` plus the extensions, stopped by `stop()`."""

    def __init__(self, settings: Settings, modules: list[str] | None = None) -> None:
        self.settings = settings
        self.runtime = Runtime(settings)
        self._modules = extension_modules() if modules is None else modules
        self._server: Any = None

    def start(self) -> "LocalCloud":
        from moto.moto_server.threaded_moto_server import ThreadedMotoServer

        configure_moto(self.settings)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log line per AWS call
        moto_fastpaths.install()
        for dotted in self._modules:
            try:
                module = importlib.import_module(dotted)
            except ModuleNotFoundError as exc:
                if exc.name != dotted:
                    raise
                log.warning("localcloud extension %s is not present; skipped", dotted)
                continue
            extension = module.create()
            extension.install(self.runtime)
            self.runtime.extensions[extension.name] = extension
        self._server = ThreadedMotoServer(ip_address=self.settings.hosts.aws, port=self.settings.ports.aws, verbose=False)
        self._server.start()
        return self

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
        moto_fastpaths.uninstall()

    def __enter__(self) -> "LocalCloud":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
