"""The Lambda extension: runs functions' Python handlers in warm worker processes.

Entry of ``sandbox/localcloud/awslambda/`` (``lambda`` is a Python keyword): ``install`` starts
the executor (executor.py), routes moto's ``LambdaFunction.invoke`` to it (hooks.py) and makes it
the runtime's invoker, so SNS, event source mappings and Firehose transforms run real handlers.
https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
"""

from __future__ import annotations

from typing import Any

from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.awslambda import hooks
from sandbox.localcloud.awslambda.executor import Executor
from sandbox.localcloud.runtime import Runtime


class LambdaExtension:
    name = "lambda"
    targets = hooks.TARGETS

    def __init__(self) -> None:
        self.executor: Executor | None = None
        self._patches = seam.Patches()

    def install(self, runtime: Runtime) -> None:
        self.executor = Executor(runtime.settings, runtime.destinations)
        hooks.install(self._patches, self.executor)
        runtime.set_invoker(self.executor.invoke)

    def shutdown(self) -> None:
        self._patches.undo()
        if self.executor is not None:
            self.executor.stop()

    def reset(self) -> None:
        """moto forgot every function: stop their warm workers, drop queued events and counters."""
        if self.executor is not None:
            self.executor.reset()

    def describe(self) -> list[dict[str, Any]]:
        """One row per function version: warm workers, invocations, errors, last duration."""
        return self.executor.describe() if self.executor is not None else []
