"""The DynamoDB extension: Kinesis streaming destinations, PartiQL number literals, small answers.

Entry of ``sandbox/localcloud/dynamodb/`` (name ``dynamodb``). moto keeps tables, items and
streams; hooks.py fills the calls it lacks and kinesis_destinations.py delivers item changes to
Kinesis (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/kds.html).

Known gaps: see kinesis_destinations.py and partiql.py.
"""

from __future__ import annotations

from sandbox.localcloud.dynamodb import hooks
from sandbox.localcloud.dynamodb.kinesis_destinations import KinesisDestinations
from sandbox.localcloud.runtime import Runtime
from sandbox.localcloud.service import ServiceExtension


class DynamoDbExtras(ServiceExtension):
    name = "dynamodb"
    targets = hooks.TARGETS

    def start(self, runtime: Runtime) -> KinesisDestinations:
        destinations = KinesisDestinations()
        hooks.install(self.patches, destinations)
        return destinations
