"""Hooks into moto's Kinesis: CBOR requests, SubscribeToShard, fresh shard iterators, resource policies.

- ``KinesisResponse._dispatch``: a CBOR request (cbor.py) is read as JSON and answered in CBOR;
  SubscribeToShard (which moto lacks) is answered with an event stream (subscriptions.py). Any
  other JSON request goes straight to moto: one header look-up on the hot path.
- ``compose_shard_iterator`` / ``decompose_shard_iterator`` (moto.kinesis.models): moto's iterator
  encodes only stream, shard and position, so GetRecords on an empty shard answered the iterator it
  was given; AWS's NextShardIterator is always a new one
  (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html). A counter makes
  each iterator distinct; moto's three-part iterators from GetShardIterator still read.
- ``KinesisBackend.put_resource_policy``: moto stores a policy for any ARN; AWS answers
  ResourceNotFoundException when the stream does not exist
  (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutResourcePolicy.html).
- ``KinesisBackend._send_stream_metrics``: moto added two CloudWatch data points (IncomingBytes,
  IncomingRecords) per PutRecord(s) call and kept them all, ~1 KB per call for as long as the stack
  ran. Kinesis sends its stream-level metrics once a minute
  (https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html): here each
  stream's minute is one statistic set (SampleCount = the put calls, Sum, Minimum, Maximum), updated
  in place as calls arrive, so GetMetricStatistics/GetMetricData answer what AWS's basic metrics
  answer and memory grows per minute, not per call.
- ``Shard.__init__``, ``Shard.get_records``, ``Shard.get_sequence_number_at``: a shard's records
  are kept in a ``ShardLog`` (shard_log.py: the newest in memory, the older on disk) instead of
  moto's OrderedDict, so what a stream keeps for its retention does not grow the process; GetRecords
  and AT_TIMESTAMP iterators find their start by binary search where moto walked every record.
- ``Consumer.__init__``: AWS's consumer ARN ends in ``:`` and the consumer's creation time in epoch
  seconds (``stream/S/consumer/C:1525898737``), moto's in the name
  (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_RegisterStreamConsumer.html).
"""

from __future__ import annotations

import calendar
import itertools
import json
import threading
import uuid
from pathlib import Path
from typing import Any, Callable

from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.kinesis import cbor
from sandbox.localcloud.kinesis.shard_log import ShardLog
from sandbox.localcloud.kinesis.subscriptions import Subscriptions

DISPATCH = seam.target("moto.kinesis.responses:KinesisResponse", "_dispatch", "(self, request, full_url=None, headers=None)")
COMPOSE_ITERATOR = seam.target("moto.kinesis.models:", "compose_shard_iterator", "(stream_name, shard, last_sequence_id)")
DECOMPOSE_ITERATOR = seam.target("moto.kinesis.models:", "decompose_shard_iterator", "(shard_iterator)")
PUT_POLICY = seam.target("moto.kinesis.models:KinesisBackend", "put_resource_policy", "(self, resource_arn, policy_doc)")
CONSUMER_INIT = seam.target("moto.kinesis.models:Consumer", "__init__",
                            "(self, consumer_name, account_id, region_name, stream_arn)")
STREAM_METRICS = seam.target("moto.kinesis.models:KinesisBackend", "_send_stream_metrics",
                             "(self, stream_name, incoming_bytes, incoming_records)")
SHARD_INIT = seam.target("moto.kinesis.models:Shard", "__init__",
                         "(self, shard_id, starting_hash, ending_hash, parent=None, adjacent_parent=None)")
SHARD_GET_RECORDS = seam.target("moto.kinesis.models:Shard", "get_records", "(self, last_sequence_id, limit)")
SHARD_NUMBER_AT = seam.target("moto.kinesis.models:Shard", "get_sequence_number_at", "(self, at_timestamp)")
TARGETS = (DISPATCH, COMPOSE_ITERATOR, DECOMPOSE_ITERATOR, PUT_POLICY, CONSUMER_INIT, STREAM_METRICS,
           SHARD_INIT, SHARD_GET_RECORDS, SHARD_NUMBER_AT)

SUBSCRIBE = "SubscribeToShard"


def install(patches: seam.Patches, subscriptions: Subscriptions, records_dir: Path | None) -> None:
    """`records_dir`: where shards keep their older records (None: the system's temporary directory)."""
    patches.replace(DISPATCH, lambda dispatch: _dispatch(dispatch, subscriptions))
    patches.replace(COMPOSE_ITERATOR, _fresh_iterators)
    patches.replace(DECOMPOSE_ITERATOR, _fresh_iterators_read)
    patches.replace(PUT_POLICY, _policy_of_existing_stream)
    patches.replace(CONSUMER_INIT, _consumer_arn_with_creation_time)
    patches.replace(STREAM_METRICS, _metrics_per_minute)
    patches.replace(SHARD_INIT, lambda init: _records_in_a_log(init, records_dir))
    patches.replace(SHARD_GET_RECORDS, _records_found_by_search)
    patches.replace(SHARD_NUMBER_AT, _number_found_by_search)


def _dispatch(dispatch: Callable[..., Any], subscriptions: Subscriptions) -> Callable[..., Any]:
    def dispatched(response: Any, request: Any, full_url: Any = None, headers: Any = None) -> Any:
        as_cbor = cbor.is_cbor(request.headers.get("Content-Type"))
        target = request.headers.get("X-Amz-Target") or ""
        subscribe = target.endswith("." + SUBSCRIBE)
        if not as_cbor and not subscribe:
            return dispatch(response, request, full_url, headers)
        response.setup_class(request, full_url, headers, use_raw_body=True)
        operation = target.rpartition(".")[2]
        try:
            response.body = cbor.request_as_json(response.raw_body) if as_cbor else response.raw_body.decode("utf-8")
            request_document = json.loads(response.body or "{}") if subscribe else None
        except ValueError as error:  # not CBOR, not a map, not JSON
            status, answer_headers = 400, {}
            body = json.dumps({"__type": "SerializationException", "message": str(error) or "malformed request"})
        else:
            try:
                if subscribe:
                    return _subscribe(response, subscriptions, request_document, as_cbor)
                status, answer_headers, body = response.call_action()
            except seam.MotoRESTError as error:
                status, answer_headers, body = error.code, {}, error.description
        if as_cbor:
            body = cbor.answer_as_cbor(operation, status, body)
            answer_headers = {k: v for k, v in answer_headers.items() if k.lower() not in ("content-type", "x-amz-crc32", "content-length")}
            answer_headers["Content-Type"] = cbor.CONTENT_TYPE
        return status, answer_headers, body

    return dispatched


def _subscribe(response: Any, subscriptions: Subscriptions, request: dict[str, Any], as_cbor: bool) -> Any:
    events = subscriptions.open(response.current_account, response.region, request, as_cbor)
    headers = {"Content-Type": "application/vnd.amazon.eventstream", "x-amzn-RequestId": str(uuid.uuid4())}
    return 200, headers, events


_iterators = itertools.count(1)


def _fresh_iterators(compose: Callable[..., str]) -> Callable[..., str]:
    def composed(stream_name: Any, shard: Any, last_sequence_id: Any) -> str:
        return compose(stream_name, shard, f"{last_sequence_id}:{next(_iterators)}")

    return composed


def _fresh_iterators_read(decompose: Callable[[str], list[str]]) -> Callable[[str], list[str]]:
    def decomposed(shard_iterator: str) -> list[str]:
        return decompose(shard_iterator)[:3]

    return decomposed


def _policy_of_existing_stream(put: Callable[..., None]) -> Callable[..., None]:
    def put_resource_policy(backend: Any, resource_arn: str, policy_doc: str) -> None:
        name = resource_arn.split("/")[1] if "/" in resource_arn else resource_arn
        if name not in backend.streams:
            raise seam.MotoRESTError("ResourceNotFoundException",
                                     f"Stream {name} under account {backend.account_id} not found.")
        return put(backend, resource_arn, policy_doc)

    return put_resource_policy


def _consumer_arn_with_creation_time(init: Callable[..., None]) -> Callable[..., None]:
    def consumer_init(consumer: Any, consumer_name: str, account_id: str, region_name: str, stream_arn: str) -> None:
        init(consumer, consumer_name, account_id, region_name, stream_arn)
        consumer.consumer_arn = f"{consumer.consumer_arn}:{calendar.timegm(consumer.created.utctimetuple())}"

    return consumer_init


STREAM_METRIC_UNITS = (("IncomingBytes", "Bytes"), ("IncomingRecords", "Count"))
OPEN_MINUTES = "_localcloud_kinesis_minutes"  # on the CloudWatch backend: gone with it on a reset


def _metrics_per_minute(send: Callable[..., None]) -> Callable[..., None]:
    lock = threading.Lock()

    def send_stream_metrics(backend: Any, stream_name: str, incoming_bytes: int, incoming_records: int) -> None:
        watch = seam.backend("cloudwatch", backend.account_id, backend.region_name)
        minute = seam.utcnow().replace(second=0, microsecond=0)
        values = (float(incoming_bytes), float(incoming_records))
        with lock:
            open_minutes = watch.__dict__.setdefault(OPEN_MINUTES, {})
            for (name, unit), value in zip(STREAM_METRIC_UNITS, values):
                datum = open_minutes.get((stream_name, name))
                if datum is not None and datum.timestamp == minute:
                    datum.sample_count += 1
                    datum.sum += value
                    datum.min, datum.max = min(datum.min, value), max(datum.max, value)
                    continue
                datum = seam.CloudWatchStatisticSet(
                    namespace="AWS/Kinesis", name=name, min_stat=value, max_stat=value, sample_count=1.0,
                    sum_stat=value, dimensions=[{"Name": "StreamName", "Value": stream_name}], timestamp=minute, unit=unit)
                watch.metric_data.append(datum)
                open_minutes[(stream_name, name)] = datum

    return send_stream_metrics


def _new_record() -> Any:
    return object.__new__(seam.KinesisRecord)  # a view of a stored record: not tracked (moto_tracking.py)


def _records_in_a_log(init: Callable[..., None], records_dir: Path | None) -> Callable[..., None]:
    def shard_init(shard: Any, *args: Any, **kwargs: Any) -> None:
        init(shard, *args, **kwargs)
        shard.records = ShardLog(records_dir, _new_record)

    return shard_init


def _records_found_by_search(get_records: Callable[..., Any]) -> Callable[..., Any]:
    def shard_get_records(shard: Any, last_sequence_id: str, limit: int | None) -> tuple[list[Any], int, int]:
        log = shard.records
        if not isinstance(log, ShardLog):  # a shard moto emptied when it split (a plain dict again)
            return get_records(shard, last_sequence_id, limit)
        last = int(last_sequence_id)
        total = len(log)
        start = log.first_after(last)
        end = total if not limit else min(total, start + limit)
        found = [log.record_at(i) for i in range(start, end)]
        if not found:
            return [], last, 0
        behind = log.arrival_at(total - 1) - found[-1].created_at  # as moto: newest minus the last read
        return found, found[-1].sequence_number, int(behind * 1000)

    return shard_get_records


def _number_found_by_search(number_at: Callable[..., Any]) -> Callable[..., Any]:
    def get_sequence_number_at(shard: Any, at_timestamp: float) -> int:
        log = shard.records
        if not isinstance(log, ShardLog):
            return number_at(shard, at_timestamp)
        i = log.first_at_or_after_time(at_timestamp)  # the last record that arrived before it, or 0
        return log.number_at(i - 1) if i > 0 else 0

    return get_sequence_number_at
