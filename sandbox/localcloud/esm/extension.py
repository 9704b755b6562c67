"""The event source mapping extension: Kinesis, DynamoDB Streams and SQS polled as Lambda does.

Entry of ``sandbox/localcloud/esm/`` (name ``esm``; the console serves it at
``/api/localcloud/esm``, ``cadabra esm list`` prints it). Its hooks (hooks.py) take mappings away
from moto's synchronous per-record calls and report the pollers' State and LastProcessingResult;
the reconciler (reconciler.py) keeps one poller per shard or queue running for each enabled mapping.

Kinesis: https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html
DynamoDB Streams: https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html
SQS: https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
API: https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html

Streams are read in-process from moto's store (shared/kinesis_shards.py, dynamodb_poller.py); SQS
through the queue API. Functions run through ``runtime.invoke``, i.e. the Lambda extension.

Known gaps: ParallelizationFactor, TumblingWindowInSeconds, FilterCriteria, enhanced fan-out
consumers (a consumer ARN polls its stream's shards), S3 OnFailure destinations and Kafka/MQ
sources are not emulated; checkpoints live in memory only, as moto's own state does.
"""

from __future__ import annotations

import functools

from sandbox.arn import Arn
from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.esm import hooks
from sandbox.localcloud.esm.factory import Shared
from sandbox.localcloud.esm.reconciler import MappingController
from sandbox.localcloud.esm.sender import Sender
from sandbox.localcloud.runtime import Runtime
from sandbox.localcloud.service import ServiceExtension


@functools.lru_cache(maxsize=256)
def _function_role(function_arn: str) -> str:
    """The execution role ARN a Kinesis event names as invokeIdentityArn."""
    try:
        arn = Arn.parse(function_arn)
        return seam.backend("lambda", arn.account, arn.region).get_function(function_arn).role
    except Exception:  # the function was deleted: the invocation will fail and say so
        return ""


class EventSourceMappings(ServiceExtension):
    name = "esm"
    targets = hooks.TARGETS

    def start(self, runtime: Runtime) -> MappingController:
        shared = Shared(
            settings=runtime.settings, sender=Sender(runtime), destinations=runtime.destinations, identity=_function_role
        )
        controller = MappingController(shared)
        hooks.install(self.patches, controller)
        controller.start()
        return controller

    def shutdown(self) -> None:
        super().shutdown()
        _function_role.cache_clear()

    def reset(self) -> None:
        super().reset()
        _function_role.cache_clear()
