"""localcloud: moto's control plane plus the data-plane behaviour moto lacks without Docker.

One package per emulated service (awslambda/, esm/, firehose/, sns/, glue/, athena/,
redshift_data/), each with the same roles:
``extension.py`` (the entry: name, install, shutdown, reset, describe), ``hooks.py`` (its hooks
into moto, declared and installed through the seam) and engine modules. ``moto_seam.py`` is the
only module that touches moto's internals; ``moto_answers.py`` and ``moto_fastpaths.py`` reshape
and speed up services that have no package (Kinesis, DynamoDB, SQS, S3 listing); ``shared/`` holds
what several packages use; ``registry.py`` lists the
extensions; ``server.py`` (`LocalCloud`) starts moto's ThreadedMotoServer in this process and
installs them, each receiving the shared `Runtime` (runtime.py).

Cross-service wiring lives in `Runtime`: an extension that needs to run a Lambda function calls
`runtime.invoke(...)`, one that reaches another service uses `runtime.client(service, region)`;
nothing imports another extension. docs/LOCALCLOUD.md maps every behaviour
to its module and hook.
"""
