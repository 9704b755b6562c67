"""Firehose delivery: buffering, Lambda transform, S3 prefixes/compression, OpenSearch, Kinesis source.

Emulates https://docs.aws.amazon.com/firehose/latest/dev/basic-deliver.html,
https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html,
https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html and
https://docs.aws.amazon.com/firehose/latest/dev/create-destination.html on top of moto, which
keeps every delivery stream's configuration (Create/Describe/Update/Delete work as moto does) but
on its own writes one S3 object per call. The engine is in `sandbox/localcloud/firehose/`.

Hooks into moto (installed by `install`, undone by `shutdown`):
- `moto.firehose.models.FirehoseBackend.put_record_batch` (PutRecord goes through it too): records
  for S3 and OpenSearch/Elasticsearch destinations are buffered by the engine; other destination
  types (HTTP endpoint, Redshift, Splunk...) keep moto's behaviour.
- `moto.firehose.responses.FirehoseResponse.create_delivery_stream` and `.update_destination`:
  accept `AmazonopensearchserviceDestinationConfiguration`/`...Update` (moto 5.2.5 rejects them;
  stored under the key that makes DescribeDeliveryStream report
  `AmazonopensearchserviceDestinationDescription`) and reject what AWS rejects (buffering hints
  out of range, prefixes with expressions and no ErrorOutputPrefix, unknown rotation periods).

Known gaps: HTTP endpoint, Redshift, Splunk, Snowflake and Iceberg destinations, dynamic
partitioning, record format conversion and server-side encryption are not emulated.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Callable, Iterator

from sandbox.localcloud.firehose.engine import FirehoseEngine, utc_now
from sandbox.localcloud.firehose.validation import CHECKS, ConfigurationError, check
from sandbox.localcloud.runtime import InvocationResult, Runtime

log = logging.getLogger(__name__)

MAX_BATCH_RECORDS = 500
MAX_RECORD_BYTES = 1000 * 1024
MAX_BATCH_BYTES = 4 * 1024 * 1024
OPENSEARCH_KEY = "Amazonopensearchservice"


class MotoCatalog:
    """Every delivery stream moto holds, across accounts and regions."""

    def streams(self) -> Iterator[tuple[str, str, Any]]:
        from moto.firehose.models import firehose_backends

        for account_id, regions in list(firehose_backends.items()):
            for region, backend in list(regions.items()):
                for model in list(backend.delivery_streams.values()):
                    yield account_id, region, model


class FirehoseDelivery:
    """The localcloud extension: owns the engine and the moto hooks."""

    name = "firehose"

    def __init__(self, *, clock: Callable[[], datetime] = utc_now, tick_seconds: float = 0.2) -> None:
        self._clock = clock
        self._tick_seconds = tick_seconds
        self.engine: FirehoseEngine | None = None
        self._originals: list[tuple[type, str, Any]] = []

    # -- Extension protocol ---------------------------------------------------------------------
    def install(self, runtime: Runtime) -> None:
        from moto.firehose.models import FirehoseBackend
        from moto.firehose.responses import FirehoseResponse

        def invoke(function: str, payload: bytes, **kwargs: Any) -> InvocationResult:
            return runtime.invoke(function, payload, **kwargs)

        engine = FirehoseEngine(
            runtime.settings, MotoCatalog(), invoke, clock=self._clock, tick_seconds=self._tick_seconds
        )
        self.engine = engine
        self._patch(FirehoseBackend, "put_record_batch", _put_record_batch_hook(engine, FirehoseBackend.put_record_batch))
        self._patch(FirehoseResponse, "create_delivery_stream", _create_hook(FirehoseResponse.create_delivery_stream))
        self._patch(FirehoseResponse, "update_destination", _update_hook(FirehoseResponse.update_destination))
        engine.start()

    def shutdown(self) -> None:
        """Restore moto, then deliver everything still buffered."""
        for owner, attribute, original in reversed(self._originals):
            setattr(owner, attribute, original)
        self._originals.clear()
        if self.engine is not None:
            self.engine.stop()

    def describe(self) -> list[dict[str, Any]]:
        """One row per delivery stream: source, destination, buffered and delivered counts."""
        return self.engine.describe() if self.engine is not None else []

    def flush(self) -> None:
        """Deliver every buffer now, whatever its hints."""
        if self.engine is not None:
            self.engine.flush()

    def _patch(self, owner: type, attribute: str, replacement: Any) -> None:
        self._originals.append((owner, attribute, owner.__dict__[attribute]))
        setattr(owner, attribute, replacement)


def create() -> FirehoseDelivery:
    return FirehoseDelivery()


# -- hooks ----------------------------------------------------------------------------------------
def _put_record_batch_hook(engine: FirehoseEngine, original: Callable[..., Any]) -> Callable[..., Any]:
    def put_record_batch(backend: Any, delivery_stream_name: str, records: list[dict[str, Any]]) -> dict[str, Any]:
        from moto.firehose.exceptions import InvalidArgumentException, ResourceNotFoundException

        model = backend.delivery_streams.get(delivery_stream_name)
        if model is None:
            raise ResourceNotFoundException(
                f"Firehose {delivery_stream_name} under account {backend.account_id} not found."
            )
        if model.delivery_stream_type == "KinesisStreamAsSource":
            raise InvalidArgumentException(
                f"This operation is not permitted on KinesisStreamAsSource delivery stream type "
                f"({delivery_stream_name}): put records into its source Kinesis stream instead."
            )
        payloads = [r["Data"].encode() if isinstance(r["Data"], str) else bytes(r["Data"]) for r in records or []]
        if not payloads or len(payloads) > MAX_BATCH_RECORDS:
            raise InvalidArgumentException(f"PutRecordBatch takes 1 to {MAX_BATCH_RECORDS} records, got {len(payloads)}")
        if any(len(p) > MAX_RECORD_BYTES for p in payloads) or sum(map(len, payloads)) > MAX_BATCH_BYTES:
            raise InvalidArgumentException("a record exceeds 1,000 KiB or the request exceeds 4 MiB: split the data")
        try:
            ids = engine.accept(backend.account_id, backend.region_name, model, payloads)
        except (KeyError, ValueError) as exc:  # a configuration created before validation existed
            raise InvalidArgumentException(
                f"delivery stream {delivery_stream_name} has a configuration localcloud cannot deliver with: {exc!r}; "
                "fix it with UpdateDestination"
            ) from None
        if ids is None:
            return original(backend, delivery_stream_name, records)
        return {"FailedPutCount": 0, "Encrypted": False, "RequestResponses": [{"RecordId": i} for i in ids]}

    return put_record_batch


def _validate(response: Any) -> None:
    from moto.firehose.exceptions import InvalidArgumentException

    try:
        for field in CHECKS:
            check(field, response._get_param(field))
    except ConfigurationError as exc:
        raise InvalidArgumentException(str(exc)) from None


def _create_hook(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_delivery_stream(response: Any) -> Any:
        from moto.core.responses import ActionResult
        from moto.firehose.exceptions import InvalidArgumentException

        _validate(response)
        config = response._get_param("AmazonopensearchserviceDestinationConfiguration")
        if not config:
            return original(response)
        others = [f for f in CHECKS if f.endswith("Configuration") and OPENSEARCH_KEY not in f and response._get_param(f)]
        if others:
            raise InvalidArgumentException("Exactly one destination configuration is supported for a Firehose")
        backend = response.firehose_backend
        name = response._get_param("DeliveryStreamName")
        arn = backend.create_delivery_stream(
            region=response.region,
            delivery_stream_name=name,
            delivery_stream_type=response._get_param("DeliveryStreamType"),
            kinesis_stream_source_configuration=response._get_param("KinesisStreamSourceConfiguration"),
            delivery_stream_encryption_configuration_input=response._get_param(
                "DeliveryStreamEncryptionConfigurationInput"
            ),
            s3_destination_configuration=None,
            extended_s3_destination_configuration=None,
            redshift_destination_configuration=None,
            elasticsearch_destination_configuration=config,  # moto validates it as the same shape
            splunk_destination_configuration=None,
            http_endpoint_destination_configuration=None,
            snowflake_destination_configuration=None,
            iceberg_destination_configuration=None,
            tags=response._get_param("Tags"),
        )
        entry = backend.delivery_streams[name].destinations[0]
        entry[OPENSEARCH_KEY] = entry.pop("Elasticsearch")
        return ActionResult({"DeliveryStreamARN": arn})

    return create_delivery_stream


def _update_hook(original: Callable[..., Any]) -> Callable[..., Any]:
    def update_destination(response: Any) -> Any:
        from moto.core.responses import EmptyResult
        from moto.core.utils import utcnow
        from moto.firehose.exceptions import (
            ConcurrentModificationException,
            InvalidArgumentException,
            ResourceNotFoundException,
        )

        _validate(response)
        update = response._get_param("AmazonopensearchserviceDestinationUpdate")
        if not update:
            return original(response)
        backend = response.firehose_backend
        name = response._get_param("DeliveryStreamName")
        model = backend.delivery_streams.get(name)
        if model is None:
            raise ResourceNotFoundException(f"Firehose {name} under accountId {backend.account_id} not found.")
        version = response._get_param("CurrentDeliveryStreamVersionId")
        if model.version_id != version:
            raise ConcurrentModificationException(
                f"Cannot update firehose: {name} since the current version id: {model.version_id} "
                f"and specified version id: {version} do not match"
            )
        destination_id = response._get_param("DestinationId")
        entry = next((d for d in model.destinations if d["destination_id"] == destination_id), None)
        if entry is None:
            raise InvalidArgumentException(f"Destination Id {destination_id} not found")
        if OPENSEARCH_KEY not in entry:
            raise InvalidArgumentException(
                "Changing the destination type to or from AmazonOpenSearchService is not supported at this time."
            )
        update = dict(update)
        s3_update = update.pop("S3Update", None)
        entry[OPENSEARCH_KEY].update(update)
        if s3_update:
            entry[OPENSEARCH_KEY].setdefault("S3DestinationDescription", {}).update(s3_update)
        model.version_id = str(int(version) + 1)
        model.last_update_timestamp = utcnow()
        return EmptyResult()

    return update_destination
