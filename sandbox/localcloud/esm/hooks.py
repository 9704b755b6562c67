"""The event source mapping extension's hooks into moto: mappings go to the pollers, not to moto.

1. ``LambdaBackend.create_event_source_mapping`` is wrapped: after moto stores the mapping, every
   Kinesis stream, SQS queue and DynamoDB table loses its ``lambda_event_source_mappings`` entries,
   which is what moto's producers (Stream.put_record, Queue.add_message, StreamShard.add) loop over
   to invoke functions synchronously, one record at a time, inside the producer's own call. The
   wrapper then tells the controller, which fixes the starting positions and wakes the reconciler.
2. ``EventSourceMapping.get_configuration`` is wrapped: State and LastProcessingResult come from
   the controller, so Get/List/Update/CreateEventSourceMapping report what the pollers are doing,
   and the whole answer takes AWS's form (`answers.py`: defaults, fields per source kind).
3. ``LambdaBackend.create_event_source_mapping`` and ``update_event_source_mapping`` first check the
   request as AWS does (`validation.py`: duplicates, SQS batch window, FilterCriteria, missing source).
4. ``LambdaResponse.create_event_source_mapping`` answers 202 (Accepted) as AWS does, not 201;
   ``LambdaResponse.update_event_source_mapping`` answers the transition AWS reports (`Updating`,
   `Enabling` or `Disabling`); Get/List report the state reached.

moto's mapping store (``LambdaBackend._event_source_mappings``) stays the single source of truth
for what mappings exist and how they are configured (``all_mappings``).
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.esm import answers, validation

CREATE = seam.target("moto.awslambda.models:LambdaBackend", "create_event_source_mapping", "(self, spec)")
CONFIGURATION = seam.target("moto.awslambda.models:EventSourceMapping", "get_configuration", "(self)")
UPDATE = seam.target("moto.awslambda.models:LambdaBackend", "update_event_source_mapping", "(self, uuid, spec)")
CREATE_RESPONSE = seam.target("moto.awslambda.responses:LambdaResponse", "create_event_source_mapping", "(self)")
UPDATE_RESPONSE = seam.target("moto.awslambda.responses:LambdaResponse", "update_event_source_mapping", "(self)")
TARGETS = (CREATE, UPDATE, CONFIGURATION, CREATE_RESPONSE, UPDATE_RESPONSE)


class Controller(Protocol):
    def on_created(self, esm: Any) -> None: ...

    def overlay(self, esm: Any) -> dict[str, Any]: ...


def install(patches: seam.Patches, controller: Controller) -> None:
    """Route moto's mappings to `controller`."""

    def make_create(create: Any) -> Any:
        def create_event_source_mapping(backend: Any, spec: dict[str, Any]) -> Any:
            validation.check_create(backend, spec)
            try:
                esm = create(backend, spec)
            except seam.MotoRESTError as exc:
                if getattr(exc, "error_type", "") == "ResourceNotFoundException" and "EventSourceArn" in exc.message:
                    raise validation.source_missing(spec["EventSourceArn"]) from None
                raise
            detach_synchronous_delivery()
            controller.on_created(esm)
            return esm

        return create_event_source_mapping

    def make_update(update: Any) -> Any:
        def update_event_source_mapping(backend: Any, uuid: str, spec: dict[str, Any]) -> Any:
            esm = backend.get_event_source_mapping(uuid)
            if esm is not None:
                validation.check_update(esm, spec)
            return update(backend, uuid, spec)

        return update_event_source_mapping

    def make_configuration(configuration: Any) -> Any:
        def get_configuration(esm: Any) -> dict[str, Any]:
            config = configuration(esm)
            config.update(controller.overlay(esm))
            return answers.shape(config)

        return get_configuration

    def make_create_response(respond: Any) -> Any:
        def create_event_source_mapping(response: Any) -> Any:
            _status, _headers, body = respond(response)
            return 202, {"status": 202}, body

        return create_event_source_mapping

    def make_update_response(respond: Any) -> Any:
        def update_event_source_mapping(response: Any) -> Any:
            uuid = response.path.rstrip("/").split("/")[-1]
            before = response.backend.get_event_source_mapping(uuid)
            was_enabled = bool(before.enabled) if before is not None else None
            status, headers, body = respond(response)
            if was_enabled is None or status != 202:
                return status, headers, body
            answer = json.loads(body)
            enabled = bool(before.enabled)
            answer["State"] = (
                "Updating" if enabled == was_enabled else "Enabling" if enabled else "Disabling"
            )
            return status, headers, json.dumps(answer)

        return update_event_source_mapping

    patches.replace(CREATE, make_create)
    patches.replace(UPDATE_RESPONSE, make_update_response)
    patches.replace(CREATE_RESPONSE, make_create_response)
    patches.replace(UPDATE, make_update)
    patches.replace(CONFIGURATION, make_configuration)
    detach_synchronous_delivery()


def all_mappings() -> list[Any]:
    """Every mapping in moto's store, across accounts and regions (both Lambda backends)."""
    return [
        esm
        for service in ("lambda", "lambda-simple")
        for _, _, backend in seam.backends(service)
        for esm in list(backend._event_source_mappings.values())
    ]


def detach_synchronous_delivery() -> None:
    """Empty moto's per-source trigger tables so producers never invoke functions themselves."""
    for service, collection in (("kinesis", "streams"), ("sqs", "queues"), ("dynamodb", "tables")):
        for _, _, backend in seam.backends(service):
            for source in list(getattr(backend, collection).values()):
                source.lambda_event_source_mappings.clear()
