"""localcloud: moto's control plane plus the data-plane behaviour moto lacks without Docker.

One package per emulated service (awslambda/, esm/, firehose/, sns/), each with the same roles:
``extension.py`` (the entry: name, install, shutdown, reset, describe), ``hooks.py`` (its hooks
into moto, declared and installed through the seam) and engine modules. ``moto_seam.py`` is the
only module that touches moto's internals; ``shared/`` holds what several packages use (the
Kinesis shard reader, the destination sender, the poll loop); ``registry.py`` lists the
extensions; ``server.py`` (`LocalCloud`) starts moto's ThreadedMotoServer in this process and
installs them, each receiving the shared `Runtime` (runtime.py).

Cross-service wiring lives in `Runtime`: an extension that needs to run a Lambda function calls
`runtime.invoke(...)`; nothing imports another extension. docs/LOCALCLOUD.md maps every behaviour
to its module and hook.
"""
