"""The Firehose extension's hooks into moto: records go to the engine, OpenSearch configurations are accepted.

- ``FirehoseBackend.put_record_batch`` (PutRecord goes through it too): records for S3 and
  OpenSearch/Elasticsearch destinations are buffered by the engine; other destination types (HTTP
  endpoint, Redshift, Splunk...) keep moto's behaviour. PutRecordBatch's limits are checked first
  (https://docs.aws.amazon.com/firehose/latest/APIReference/API_PutRecordBatch.html).
- ``FirehoseResponse.create_delivery_stream`` and ``.update_destination``: accept
  ``AmazonopensearchserviceDestinationConfiguration``/``...Update`` (moto 5.2.5 rejects them;
  stored under the key that makes DescribeDeliveryStream report
  ``AmazonopensearchserviceDestinationDescription``) and reject what AWS rejects (buffering hints
  out of range, prefixes with expressions and no ErrorOutputPrefix, unknown rotation periods).
"""

from __future__ import annotations

from typing import Any, Callable

from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.firehose.engine import FirehoseEngine
from sandbox.localcloud.firehose.validation import CHECKS, ConfigurationError, check

PUT_RECORD_BATCH = seam.target(
    "moto.firehose.models:FirehoseBackend", "put_record_batch", "(self, delivery_stream_name, records)"
)
CREATE = seam.target("moto.firehose.responses:FirehoseResponse", "create_delivery_stream", "(self)")
UPDATE = seam.target("moto.firehose.responses:FirehoseResponse", "update_destination", "(self)")
TARGETS = (PUT_RECORD_BATCH, CREATE, UPDATE)

MAX_BATCH_RECORDS = 500
MAX_RECORD_BYTES = 1000 * 1024
MAX_BATCH_BYTES = 4 * 1024 * 1024
OPENSEARCH_KEY = "Amazonopensearchservice"


def install(patches: seam.Patches, engine: FirehoseEngine) -> None:
    """Hand records to `engine`; validate and complete moto's create/update calls."""
    patches.replace(PUT_RECORD_BATCH, lambda original: _put_record_batch_hook(engine, original))
    patches.replace(CREATE, _validated("AmazonopensearchserviceDestinationConfiguration", _create_opensearch))
    patches.replace(UPDATE, _validated("AmazonopensearchserviceDestinationUpdate", _update_opensearch))


def _put_record_batch_hook(engine: FirehoseEngine, original: Callable[..., Any]) -> Callable[..., Any]:
    def put_record_batch(backend: Any, delivery_stream_name: str, records: list[dict[str, Any]]) -> dict[str, Any]:
        model = backend.delivery_streams.get(delivery_stream_name)
        if model is None:
            raise seam.FirehoseResourceNotFound(
                f"Firehose {delivery_stream_name} under account {backend.account_id} not found."
            )
        if model.delivery_stream_type == "KinesisStreamAsSource":
            raise seam.FirehoseInvalidArgument(
                f"This operation is not permitted on KinesisStreamAsSource delivery stream type "
                f"({delivery_stream_name}): put records into its source Kinesis stream instead."
            )
        payloads = [r["Data"].encode() if isinstance(r["Data"], str) else bytes(r["Data"]) for r in records or []]
        if not payloads or len(payloads) > MAX_BATCH_RECORDS:
            raise seam.FirehoseInvalidArgument(f"PutRecordBatch takes 1 to {MAX_BATCH_RECORDS} records, got {len(payloads)}")
        if any(len(p) > MAX_RECORD_BYTES for p in payloads) or sum(map(len, payloads)) > MAX_BATCH_BYTES:
            raise seam.FirehoseInvalidArgument("a record exceeds 1,000 KiB or the request exceeds 4 MiB: split the data")
        try:
            ids = engine.accept(backend.account_id, backend.region_name, model, payloads)
        except (KeyError, ValueError) as exc:  # a configuration created before validation existed
            raise seam.FirehoseInvalidArgument(
                f"delivery stream {delivery_stream_name} has a configuration localcloud cannot deliver with: {exc!r}; "
                "fix it with UpdateDestination"
            ) from None
        if ids is None:
            return original(backend, delivery_stream_name, records)
        return {"FailedPutCount": 0, "Encrypted": False, "RequestResponses": [{"RecordId": i} for i in ids]}

    return put_record_batch


def _validate(response: Any) -> None:
    try:
        for field in CHECKS:
            check(field, response._get_param(field))
    except ConfigurationError as exc:
        raise seam.FirehoseInvalidArgument(str(exc)) from None


def _validated(parameter: str, opensearch: Callable[[Any, dict[str, Any]], Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A create/update hook: validate as AWS does, then `opensearch(response, value)` when the
    request carries `parameter` (which moto rejects), else moto's own handler."""

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def hook(response: Any) -> Any:
            _validate(response)
            value = response._get_param(parameter)
            return opensearch(response, value) if value else original(response)

        hook.__name__ = original.__name__
        return hook

    return make


def _create_opensearch(response: Any, config: dict[str, Any]) -> Any:
    """CreateDeliveryStream with an OpenSearch Service destination, stored as moto stores Elasticsearch."""
    others = [f for f in CHECKS if f.endswith("Configuration") and OPENSEARCH_KEY not in f and response._get_param(f)]
    if others:
        raise seam.FirehoseInvalidArgument("Exactly one destination configuration is supported for a Firehose")
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
    return seam.ActionResult({"DeliveryStreamARN": arn})


def _update_opensearch(response: Any, update: dict[str, Any]) -> Any:
    """UpdateDestination of an OpenSearch Service destination (version checked as moto does)."""
    backend = response.firehose_backend
    name = response._get_param("DeliveryStreamName")
    model = backend.delivery_streams.get(name)
    if model is None:
        raise seam.FirehoseResourceNotFound(f"Firehose {name} under accountId {backend.account_id} not found.")
    version = response._get_param("CurrentDeliveryStreamVersionId")
    if model.version_id != version:
        raise seam.FirehoseConcurrentModification(
            f"Cannot update firehose: {name} since the current version id: {model.version_id} "
            f"and specified version id: {version} do not match"
        )
    destination_id = response._get_param("DestinationId")
    entry = next((d for d in model.destinations if d["destination_id"] == destination_id), None)
    if entry is None:
        raise seam.FirehoseInvalidArgument(f"Destination Id {destination_id} not found")
    if OPENSEARCH_KEY not in entry:
        raise seam.FirehoseInvalidArgument(
            "Changing the destination type to or from AmazonOpenSearchService is not supported at this time."
        )
    update = dict(update)
    s3_update = update.pop("S3Update", None)
    entry[OPENSEARCH_KEY].update(update)
    if s3_update:
        entry[OPENSEARCH_KEY].setdefault("S3DestinationDescription", {}).update(s3_update)
    model.version_id = str(int(version) + 1)
    model.last_update_timestamp = seam.utcnow()
    return seam.EmptyResult()
