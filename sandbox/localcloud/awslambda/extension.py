"""The Lambda extension: runs functions' Python handlers in warm worker processes.

Entry of ``sandbox/localcloud/awslambda/`` (``lambda`` is a Python keyword): ``install`` starts
the executor (executor.py), routes moto's ``LambdaFunction.invoke`` to it (hooks.py) and makes it
the runtime's invoker, so SNS, event source mappings and Firehose transforms run real handlers.
https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
"""

from __future__ import annotations

from sandbox.localcloud.awslambda import hooks
from sandbox.localcloud.awslambda.executor import Executor
from sandbox.localcloud.runtime import Runtime
from sandbox.localcloud.service import ServiceExtension


class LambdaExtension(ServiceExtension):
    name = "lambda"
    targets = hooks.TARGETS

    def start(self, runtime: Runtime) -> Executor:
        executor = Executor(runtime.settings, runtime.destinations)
        hooks.install(self.patches, executor)
        runtime.set_invoker(executor.invoke)
        return executor
