"""The hooks into moto that hand event source mappings from moto to the pollers.

1. `moto.awslambda.models.LambdaBackend.create_event_source_mapping` is wrapped: after moto stores
   the mapping, every Kinesis stream, SQS queue and DynamoDB table loses its
   `lambda_event_source_mappings` entries, which is what moto's producers (Stream.put_record,
   Queue.add_message, StreamShard.add) loop over to invoke functions synchronously, one record
   at a time, inside the producer's own call. The wrapper then tells the controller, which fixes
   the starting positions and wakes the reconciler.
2. `moto.awslambda.models.EventSourceMapping.get_configuration` is wrapped: State and
   LastProcessingResult come from the controller, so Get/List/Update/CreateEventSourceMapping
   report what the pollers are doing.

Both are undone by `uninstall()`. moto's mapping store (`LambdaBackend._event_source_mappings`)
stays the single source of truth for what mappings exist and how they are configured.
"""

from __future__ import annotations

import functools
import logging
from typing import Any, Callable, Protocol

from moto.awslambda.models import EventSourceMapping, LambdaBackend

log = logging.getLogger(__name__)


class Controller(Protocol):
    def on_created(self, esm: Any) -> None: ...

    def overlay(self, esm: Any) -> dict[str, Any]: ...


_originals: dict[str, Callable[..., Any]] = {}
_current: list[Controller] = []  # the controller the hooks report to (the last one installed)


def install(controller: Controller) -> None:
    """Route moto's mappings to `controller`; a later install takes over from an earlier one."""
    if _current:
        log.warning("event source mapping hooks were still installed (a localcloud was not stopped); taking over")
    _current[:] = [controller]
    if not _originals:
        _patch()
    detach_synchronous_delivery()


def uninstall(controller: Controller) -> None:
    """Restore moto's methods, unless another controller has taken over since."""
    if _current and _current[0] is not controller:
        return
    _current.clear()
    if _originals:
        LambdaBackend.create_event_source_mapping = _originals.pop("create")  # type: ignore[method-assign]
        EventSourceMapping.get_configuration = _originals.pop("configuration")  # type: ignore[method-assign]


def _patch() -> None:
    create = _originals["create"] = LambdaBackend.create_event_source_mapping
    configuration = _originals["configuration"] = EventSourceMapping.get_configuration

    @functools.wraps(create)
    def create_event_source_mapping(self: LambdaBackend, spec: dict[str, Any]) -> EventSourceMapping:
        esm = create(self, spec)
        detach_synchronous_delivery()
        for controller in list(_current):
            controller.on_created(esm)
        return esm

    @functools.wraps(configuration)
    def get_configuration(self: EventSourceMapping) -> dict[str, Any]:
        config = configuration(self)
        for controller in list(_current):
            config.update(controller.overlay(self))
        return config

    LambdaBackend.create_event_source_mapping = create_event_source_mapping  # type: ignore[method-assign]
    EventSourceMapping.get_configuration = get_configuration  # type: ignore[method-assign]


def _backends(backend_dict: Any) -> list[Any]:
    """Every region backend moto has created so far (without creating new ones)."""
    found = []
    for account in list(dict.values(backend_dict)):
        found.extend(dict.values(account))
    return found


def all_mappings() -> list[Any]:
    """Every mapping in moto's store, across accounts and regions."""
    from moto.awslambda.models import lambda_backends

    mappings: list[Any] = []
    for backend in _backends(lambda_backends):
        mappings.extend(list(backend._event_source_mappings.values()))
    try:
        from moto.awslambda_simple.models import lambda_simple_backends
    except ImportError:  # pragma: no cover - moto without the simple backend
        return mappings
    for backend in _backends(lambda_simple_backends):
        mappings.extend(list(backend._event_source_mappings.values()))
    return mappings


def detach_synchronous_delivery() -> None:
    """Empty moto's per-source trigger tables so producers never invoke functions themselves."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.kinesis.models import kinesis_backends
    from moto.sqs.models import sqs_backends

    for backend in _backends(kinesis_backends):
        for stream in list(backend.streams.values()):
            stream.lambda_event_source_mappings.clear()
    for backend in _backends(sqs_backends):
        for queue in list(backend.queues.values()):
            queue.lambda_event_source_mappings.clear()
    for backend in _backends(dynamodb_backends):
        for table in list(backend.tables.values()):
            table.lambda_event_source_mappings.clear()
