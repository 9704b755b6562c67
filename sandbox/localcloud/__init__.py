"""localcloud: moto's control plane plus the data-plane behaviour moto lacks without Docker.

One module per emulated behaviour; each names its single hook into moto at the top and links the
AWS page it emulates. `LocalCloud` (server.py) starts moto's ThreadedMotoServer in this process and
installs the extensions listed in `EXTENSIONS`, in order, each receiving the shared `Runtime`.

Cross-service wiring lives here and in `Runtime`: an extension that needs to run a Lambda function
calls `runtime.invoke(...)`; nothing imports another extension directly.
"""

from __future__ import annotations

from sandbox.localcloud.runtime import Extension, InvocationResult, Runtime

__all__ = ["Extension", "InvocationResult", "Runtime", "extension_modules"]


def extension_modules() -> list[str]:
    """Dotted names of the extension modules, in install order (the executor first)."""
    return [
        "sandbox.localcloud.lambda_executor",
        "sandbox.localcloud.kinesis_esm",
        "sandbox.localcloud.sns_delivery",
        "sandbox.localcloud.firehose_delivery",
    ]
