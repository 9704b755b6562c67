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
from typing import Any

from sandbox.arn import Arn
from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.esm import hooks
from sandbox.localcloud.esm.factory import Shared
from sandbox.localcloud.esm.reconciler import MappingController
from sandbox.localcloud.esm.sender import Sender
from sandbox.localcloud.runtime import Runtime


@functools.lru_cache(maxsize=256)
def _function_role(function_arn: str) -> str:
    """The execution role ARN a Kinesis event names as invokeIdentityArn."""
    try:
        arn = Arn.parse(function_arn)
        return seam.backend("lambda", arn.account, arn.region).get_function(function_arn).role
    except Exception:  # the function was deleted: the invocation will fail and say so
        return ""


class EventSourceMappings:
    name = "esm"
    targets = hooks.TARGETS

    def __init__(self) -> None:
        self._controller: MappingController | None = None
        self._patches = seam.Patches()

    def install(self, runtime: Runtime) -> None:
        shared = Shared(
            settings=runtime.settings, sender=Sender(runtime), destinations=runtime.destinations, identity=_function_role
        )
        self._controller = MappingController(shared)
        hooks.install(self._patches, self._controller)
        self._controller.start()

    def shutdown(self) -> None:
        self._patches.undo()
        if self._controller is not None:
            self._controller.shutdown()
            self._controller = None
        _function_role.cache_clear()

    def reset(self) -> None:
        """moto forgot every mapping: stop their pollers and forget checkpoints."""
        if self._controller is not None:
            self._controller.reset()
        _function_role.cache_clear()

    def describe(self) -> list[dict[str, Any]]:
        """Rows: uuid, function, source, state, last_result, batch_size, shards[{shard_id,
        iterator_age_ms, checkpoint, records, failures, discarded}]."""
        return self._controller.describe() if self._controller else []
