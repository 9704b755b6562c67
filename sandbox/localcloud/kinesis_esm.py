"""localcloud extension: event source mappings polled per shard, replacing moto's synchronous calls.

Hooks into moto (both undone by `shutdown()`; details in esm/moto_hooks.py):
  1. `moto.awslambda.models.LambdaBackend.create_event_source_mapping`, wrapped to empty moto's
     per-source trigger tables (`Stream/Queue/Table.lambda_event_source_mappings`), so moto no
     longer invokes a function inside the producer's PutRecord/SendMessage/PutItem, one record
     per call, and to fix each new mapping's starting positions.
  2. `moto.awslambda.models.EventSourceMapping.get_configuration`, wrapped to report the pollers'
     State and LastProcessingResult.

Kinesis: https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html
DynamoDB Streams: https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html
SQS: https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
API: https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html

Streams are read in-process from moto's store (see esm/kinesis_poller.py); SQS through the queue
API. Functions run through `runtime.invoke`, i.e. the Lambda executor.

Known gaps: ParallelizationFactor, TumblingWindowInSeconds, FilterCriteria, enhanced fan-out
consumers (a consumer ARN polls its stream's shards), S3 OnFailure destinations and Kafka/MQ
sources are not emulated; checkpoints live in memory only, as moto's own state does.
"""

from __future__ import annotations

import functools
from typing import Any

from sandbox.localcloud.esm import moto_hooks
from sandbox.localcloud.esm.factory import Shared
from sandbox.localcloud.esm.reconciler import MappingController
from sandbox.localcloud.esm.sender import Sender
from sandbox.localcloud.runtime import Runtime


@functools.lru_cache(maxsize=256)
def _function_role(function_arn: str) -> str:
    """The execution role ARN a Kinesis event names as invokeIdentityArn."""
    from moto.awslambda.utils import get_backend

    parts = function_arn.split(":")
    try:
        return get_backend(parts[4], parts[3]).get_function(function_arn).role
    except Exception:  # the function was deleted: the invocation will fail and say so
        return ""


class EventSourceMappings:
    """The extension object LocalCloud installs (name `kinesis_esm`)."""

    name = "kinesis_esm"

    def __init__(self) -> None:
        self._controller: MappingController | None = None

    def install(self, runtime: Runtime) -> None:
        shared = Shared(settings=runtime.settings, sender=Sender(runtime), identity=_function_role)
        controller = MappingController(shared)
        moto_hooks.install(controller)
        self._controller = controller
        controller.start()

    def shutdown(self) -> None:
        if self._controller is None:
            return
        try:
            moto_hooks.uninstall(self._controller)
        finally:
            self._controller.shutdown()
            self._controller = None
            _function_role.cache_clear()

    def describe(self) -> list[dict[str, Any]]:
        """Rows: uuid, function, source, state, last_result, batch_size, shards[{shard_id,
        iterator_age_ms, checkpoint, records, failures, discarded}]."""
        return self._controller.describe() if self._controller else []


def create() -> EventSourceMappings:
    return EventSourceMappings()
