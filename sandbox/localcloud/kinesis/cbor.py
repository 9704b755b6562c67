"""Kinesis's CBOR protocol: a request in CBOR is answered in CBOR, as AWS does.

The Java SDK and the KCL send ``application/x-amz-cbor-1.1`` bodies to Kinesis by default
(https://docs.aws.amazon.com/streams/latest/dev/kinesis-using-sdk-java.html); moto speaks only
JSON. A CBOR request is decoded into the JSON moto reads (blobs as base64, timestamps as epoch
seconds), and moto's JSON answer is encoded back with the operation's output shape from botocore's
model. No new library: botocore ships both halves (its CBOR response parser and request
serializer), used here the other way round.

Kinesis departs from RFC 8949 in one place: a timestamp (tag 1) is an integer of epoch
milliseconds, not seconds (https://github.com/aws/aws-sdk-java-v2/issues/4661); both directions
follow Kinesis.

Known gaps: indefinite-length items in answers are never produced (AWS does not need them).
"""

from __future__ import annotations

import base64
import functools
import io
import json
from typing import Any

from botocore.loaders import create_loader
from botocore.model import ServiceModel, ShapeResolver
from botocore.parsers import BaseCBORParser
from botocore.serialize import CBORSerializer

CONTENT_TYPE = "application/x-amz-cbor-1.1"


def is_cbor(content_type: str | None) -> bool:
    return bool(content_type) and content_type.split(";", 1)[0].strip().lower() == CONTENT_TYPE


class _Decoder(BaseCBORParser):
    def _parse_datetime(self, value: Any) -> float:
        return value / 1000  # Kinesis: epoch milliseconds


class _Encoder(CBORSerializer):
    def _serialize_type_timestamp(self, serialized: bytearray, value: Any, shape: Any, key: Any) -> None:
        serialized.extend(self._get_initial_byte(self.TAG_MAJOR_TYPE, 1))
        self._serialize_type_integer(serialized, round(float(value) * 1000), shape, key)

    def _serialize_type_blob(self, serialized: bytearray, value: Any, shape: Any, key: Any) -> None:
        super()._serialize_type_blob(serialized, base64.b64decode(value), shape, key)

    def _serialize_type_structure(self, serialized: bytearray, value: Any, shape: Any, key: Any) -> None:
        known = {k: v for k, v in value.items() if k in shape.members}  # moto may answer more members
        super()._serialize_type_structure(serialized, known, shape, key)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def request_as_json(body: bytes) -> str:
    """A CBOR request body as the JSON document moto reads (an empty body is an empty document).

    Raises ValueError when the body is not a CBOR map (answered 400 SerializationException)."""
    if not body:
        return "{}"
    decoder = _Decoder()
    try:
        document = decoder.parse_data_item(decoder.get_peekable_stream_from_bytes(body))
    except Exception as error:  # botocore's parser raises its own errors, struct's and IndexError on bad bytes
        raise ValueError(f"the request body is not valid CBOR: {error}") from error
    if not isinstance(document, dict):
        raise ValueError("a Kinesis CBOR request must be a map")
    return json.dumps(_jsonable(document))


@functools.cache
def service_model() -> ServiceModel:
    return ServiceModel(create_loader().load_service_model("kinesis", "service-2"), "kinesis")


_ERROR = ShapeResolver({"Error": {"type": "map", "key": {"shape": "S"}, "value": {"shape": "S"}},
                        "S": {"type": "string"}}).get_shape_by_name("Error")


def encode(document: dict[str, Any], shape: Any) -> bytes:
    """`document` (moto's JSON answer, parsed) in CBOR by `shape` (None: a map of strings, an error)."""
    out = bytearray()
    if shape is None:
        _Encoder()._serialize_type_map(out, {k: str(v) for k, v in document.items()}, _ERROR, None)
    else:
        _Encoder()._serialize_data_item(out, document, shape)
    return bytes(out)


def answer_as_cbor(operation: str, status: int, body: Any) -> bytes:
    """moto's JSON answer to `operation` in CBOR: the output shape on success, a map on error."""
    text = body.decode("utf-8") if isinstance(body, (bytes, bytearray)) else body
    document = json.loads(text) if text else {}
    if status >= 300:
        return encode(document, None)
    shape = service_model().operation_model(operation).output_shape
    return encode(document, shape) if shape is not None else encode({}, None)


def decode(body: bytes) -> Any:
    """A CBOR document (answers to clients; used by tests and the event stream's CBOR payloads)."""
    decoder = _Decoder()
    return decoder.parse_data_item(io.BufferedReader(io.BytesIO(body)))
