"""The Kinesis extension: CBOR requests and answers, SubscribeToShard, AWS's iterators and policies.

Entry of ``sandbox/localcloud/kinesis/`` (name ``kinesis``). moto keeps the streams, shards and
records; hooks.py reshapes its protocol and fills what it lacks. Emulates
https://docs.aws.amazon.com/kinesis/latest/APIReference/API_SubscribeToShard.html and the CBOR
protocol the Java SDK and the KCL use.

Known gaps: see subscriptions.py and cbor.py.
"""

from __future__ import annotations

from sandbox.localcloud.kinesis import hooks
from sandbox.localcloud.kinesis.subscriptions import Subscriptions
from sandbox.localcloud.runtime import Runtime
from sandbox.localcloud.service import ServiceExtension


class KinesisProtocol(ServiceExtension):
    name = "kinesis"
    targets = hooks.TARGETS

    def start(self, runtime: Runtime) -> Subscriptions:
        subscriptions = Subscriptions()
        hooks.install(self.patches, subscriptions, runtime.settings.state_dir / "kinesis")
        return subscriptions
