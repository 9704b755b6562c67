"""SubscribeToShard: a consumer's event stream of a shard's records, read from moto's shard.

https://docs.aws.amazon.com/kinesis/latest/APIReference/API_SubscribeToShard.html. moto has no
SubscribeToShard (it answered 500). AWS answers an HTTP/2 event stream; an HTTP/1.1 response
streamed in chunks carries the same ``application/vnd.amazon.eventstream`` messages, which is what
botocore (and any SDK on HTTP/1.1) reads. Each message is a ``SubscribeToShardEvent`` with the
records that arrived since the last one (after an ``initial-response``, as SDKs expect), ``ContinuationSequenceNumber`` and ``MillisBehindLatest``;
an empty event goes out every second while nothing arrives (so a client that went away is noticed).
The subscription ends after five minutes, as AWS's does. Messages are framed by moto's event-stream
encoder (through the seam); the payload is JSON, or CBOR when the request was CBOR.

Known gaps: HTTP/1.1 only (an HTTP/2-only client such as the Java SDK v2's Netty client cannot
connect); one subscription per consumer and shard is not enforced (AWS's ResourceInUseException);
ChildShards are not reported when a shard closes.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Iterator

from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.kinesis import cbor
from sandbox.localcloud.shared.kinesis_shards import KinesisShard, StartingPosition

SUBSCRIPTION_SECONDS = 300.0
POLL_SECONDS = 0.1
HEARTBEAT_SECONDS = 1.0
MAX_RECORDS_PER_EVENT = 10_000
EVENT = "SubscribeToShardEvent"


class Subscriptions:
    """The open SubscribeToShard streams of the stack: all end on stop() and on moto's reset."""

    def __init__(self, seconds: float = SUBSCRIPTION_SECONDS) -> None:
        self.seconds = seconds
        self._closing = threading.Event()
        self._open = 0
        self._lock = threading.Lock()

    def open(self, account_id: str, region: str, request: dict[str, Any], as_cbor: bool) -> Iterator[bytes]:
        """The event stream's messages for `request` (SubscribeToShard's parameters, as JSON reads them).

        Raises moto's JSON errors (ResourceNotFoundException, InvalidArgumentException) before the
        stream starts, so they are ordinary 400 answers."""
        consumer_arn = request.get("ConsumerARN") or ""
        shard_id = request.get("ShardId") or ""
        backend = seam.backend("kinesis", account_id, region)
        stream_name = consumer_arn.split(":", 5)[-1].split("/")[1] if "/consumer/" in consumer_arn else None
        stream = backend.streams.get(stream_name) if stream_name else None
        if stream is None or stream.get_consumer_by_arn(consumer_arn) is None:
            raise seam.MotoRESTError("ResourceNotFoundException",
                                     f"Consumer {consumer_arn}, account {account_id} not found.")
        shard = stream.shards.get(shard_id)
        if shard is None:
            raise seam.MotoRESTError("ResourceNotFoundException",
                                     f"Shard {shard_id} in stream {stream_name} under account {account_id} does not exist")
        after = _position_before(KinesisShard(shard), request.get("StartingPosition") or {})
        return self._events(KinesisShard(shard), after, as_cbor, self._closing)

    def _events(self, shard: KinesisShard, after: int, as_cbor: bool, closing: threading.Event) -> Iterator[bytes]:
        with self._lock:
            self._open += 1
        try:
            yield _message("initial-response", {}, as_cbor)  # an SDK reads it before the first event
            deadline = time.monotonic() + self.seconds
            quiet_since = 0.0
            while not closing.is_set() and time.monotonic() < deadline:
                records = shard.read(after, MAX_RECORDS_PER_EVENT, lambda seq, record: (seq, record))
                now = time.monotonic()
                if records or now - quiet_since >= HEARTBEAT_SECONDS:
                    if records:
                        after = records[-1][0]
                    yield _message(EVENT, _event(shard, records, after), as_cbor)
                    quiet_since = now
                if not records:
                    closing.wait(POLL_SECONDS)
        finally:
            with self._lock:
                self._open -= 1

    def stop(self) -> None:
        self._closing.set()

    def reset(self) -> None:
        self._closing.set()
        self._closing = threading.Event()

    def describe(self) -> list[dict[str, Any]]:
        return [{"subscriptions": self._open}]


def _position_before(shard: KinesisShard, starting: dict[str, Any]) -> int:
    kind = starting.get("Type")
    if kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
        try:
            number = int(starting.get("SequenceNumber"))
        except (TypeError, ValueError):
            raise seam.MotoRESTError("InvalidArgumentException",
                                     f"Invalid SequenceNumber for {kind}: {starting.get('SequenceNumber')}") from None
        return number - 1 if kind == "AT_SEQUENCE_NUMBER" else number
    try:
        position = StartingPosition(kind)
    except ValueError:
        raise seam.MotoRESTError("InvalidArgumentException", f"Invalid StartingPosition Type: {kind}") from None
    return shard.position_before(position, float(starting["Timestamp"]) if starting.get("Timestamp") else None)


def _event(shard: KinesisShard, records: list[tuple[int, Any]], after: int) -> dict[str, Any]:
    continuation = after if after > 0 else int(shard.shard.get_min_sequence_number())
    return {
        "Records": [{"SequenceNumber": str(seq), "ApproximateArrivalTimestamp": int(record.created_at * 1000) / 1000,
                     "Data": record.data, "PartitionKey": record.partition_key} for seq, record in records],
        "ContinuationSequenceNumber": str(continuation),
        "MillisBehindLatest": 0,
    }


def _message(event_type: str, event: dict[str, Any], as_cbor: bool) -> bytes:
    if as_cbor:
        shape = cbor.service_model().shape_for(EVENT) if event_type == EVENT else None
        payload, content_type = cbor.encode(event, shape), cbor.CONTENT_TYPE
    else:
        payload, content_type = json.dumps(event).encode(), "application/json"
    headers = {":message-type": "event", ":event-type": event_type, ":content-type": content_type}
    return seam.EventStreamEncoder().encode_message(headers, payload)
