"""moto's answers reshaped as AWS forms them, for the services localcloud has no package for.

Hooks into moto (installed through the seam by `LocalCloud.start()`, undone at stop). Each changes
the form of an answer a client sees, never what is stored, except that Kinesis's numbering also
gives every record its own number (1. below):

1. Kinesis sequence numbers: moto numbers a shard's records 1, 2, 3... AWS's are 56-digit decimal
   strings, unique per stream and increasing per shard; clients store, compare and log them
   (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecord.html#API_PutRecord_ResponseSyntax).
   `Shard.put_record` numbers a shard's records from a per-shard base of that form (``49``, the
   time the shard was first used in microseconds, the shard's index), still one apart so readers
   (`shared/kinesis_shards.py`) step through them by position; `Shard.get_min_sequence_number`
   answers the shard's base as its StartingSequenceNumber, as AWS does for a shard with no record.
   `Shard.get_max_sequence_number` reads the last key of the shard's insertion-ordered records
   instead of copying every key into a list (moto calls it per PutRecord(s) entry: O(n) per put
   made a replay quadratic). `Stream.put_record` runs under one lock: moto numbers "last + 1"
   without one, so two requests at once (a Spark writer's parallel tasks, two producers) could
   take the same number and one record silently replaced the other.

   `KinesisBackend.create_stream` without ShardCount or StreamModeDetails creates an on-demand
   stream, as AWS does, where moto fails with a 500; without StreamName it is a ValidationException
   (moto created a stream named None)
   (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_CreateStream.html).
2. DynamoDB: moto adds ConsumedCapacity (and ItemCollectionMetrics) to answers whose request did
   not ask for them; AWS returns them only for ReturnConsumedCapacity TOTAL/INDEXES
   (ReturnItemCollectionMetrics SIZE). `DynamoHandler.call_action` drops what was not asked for
   (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html#DDB-PutItem-request-ReturnConsumedCapacity).
   `Table.describe` adds the table's TableId and leaves out empty index lists and the
   BillingModeSummary of a provisioned table, gives an on-demand table's summary its
   LastUpdateToPayPerRequestDateTime and each global secondary index its IndexArn, IndexSizeBytes,
   ItemCount (0: AWS refreshes them about every six hours) and NumberOfDecreasesToday, as
   DescribeTable does;
   CreateTable's TableDescription (and each of its indexes) carries WarmThroughput only when the
   request set it (with Status UPDATING), DeleteTable's never (DescribeTable and UpdateTable always
   report it); UpdateTable's answer to an SSESpecification change reports SSEDescription Status
   UPDATING
   (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TableDescription.html).
3. SQS batch answers (SendMessageBatch, DeleteMessageBatch, ChangeMessageVisibilityBatch) carry no
   `Failed` member when nothing failed, as AWS's JSON protocol answers do
   (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html).

Known gaps: sequence numbers of consecutive records differ by one (AWS's by larger, irregular steps);
a table switched from on-demand to provisioned reports no BillingModeSummary (AWS does).
"""

from __future__ import annotations

import functools
import json
import threading
import time
import uuid
import zlib
from typing import Any

from sandbox.localcloud import moto_seam as seam

SHARD_PUT = seam.target(
    "moto.kinesis.models:Shard", "put_record", "(self, partition_key, data, explicit_hash_key)"
)
SHARD_START = seam.target("moto.kinesis.models:Shard", "get_min_sequence_number", "(self)")
SHARD_MAX = seam.target("moto.kinesis.models:Shard", "get_max_sequence_number", "(self)")
STREAM_PUT = seam.target("moto.kinesis.models:Stream", "put_record", "(self, partition_key, explicit_hash_key, data)")
CREATE_STREAM = seam.target(
    "moto.kinesis.models:KinesisBackend", "create_stream",
    "(self, stream_name, shard_count, stream_mode=None, retention_period_hours=None)",
)
DYNAMODB_CALL = seam.target("moto.dynamodb.responses:DynamoHandler", "call_action", "(self)")
TABLE_DESCRIBE = seam.target("moto.dynamodb.models.table:Table", "describe", "(self, base_key='TableDescription')")
SQS_CALL = seam.target("moto.sqs.responses:SQSResponse", "call_action", "(self)")
TARGETS = (SHARD_PUT, SHARD_START, SHARD_MAX, STREAM_PUT, CREATE_STREAM, DYNAMODB_CALL, TABLE_DESCRIBE, SQS_CALL)

_BASE = "_aws_sequence_base"


def install(patches: seam.Patches) -> None:
    """Install the answer hooks into `patches` (undone with them)."""
    patches.replace(SHARD_PUT, lambda _original: _put_record)
    patches.replace(SHARD_START, lambda _original: sequence_base)
    patches.replace(SHARD_MAX, lambda _original: last_sequence_number)
    patches.replace(STREAM_PUT, _locked)
    patches.replace(CREATE_STREAM, _on_demand_by_default)
    patches.replace(DYNAMODB_CALL, _dynamodb_as_asked)
    patches.replace(TABLE_DESCRIBE, _table_described)
    patches.replace(SQS_CALL, _sqs_without_empty_failed)


def sequence_base(shard: Any) -> int:
    """The shard's starting sequence number: 56 digits, fixed when the shard is first used."""
    base = vars(shard).get(_BASE)
    if base is None:
        fresh = 49 * 10**54 + (time.time_ns() // 1000) * 10**22 + shard._shard_id * 10**18
        base = vars(shard).setdefault(_BASE, fresh)
    return base


def last_sequence_number(shard: Any) -> int:
    """The shard's last record's number (0 when it has none): moto inserts them in increasing order."""
    return next(reversed(shard.records), 0)


def _put_record(shard: Any, partition_key: str, data: str, explicit_hash_key: str) -> str:
    number = (last_sequence_number(shard) or sequence_base(shard)) + 1
    shard.records[number] = seam.KinesisRecord(partition_key, data, number, explicit_hash_key)
    return str(number)


_put_lock = threading.Lock()


def _locked(put: Any) -> Any:
    @functools.wraps(put)
    def put_record(*args: Any, **kwargs: Any) -> Any:
        with _put_lock:
            return put(*args, **kwargs)

    return put_record


def _on_demand_by_default(create_stream: Any) -> Any:
    def create(backend: Any, stream_name: str, shard_count: Any, stream_mode: Any = None,
               retention_period_hours: Any = None) -> Any:
        if not stream_name:  # moto created a stream named None
            raise seam.MotoRESTError("ValidationException", "1 validation error detected: Value null at "
                                     "'streamName' failed to satisfy constraint: Member must not be null")
        if shard_count is None and not stream_mode:
            stream_mode = {"StreamMode": "ON_DEMAND"}
        return create_stream(backend, stream_name, shard_count, stream_mode, retention_period_hours)

    return create


def _reshaped(body: Any, change: Any) -> Any:
    """`body` (moto's JSON answer) after `change(dict)`; anything else unchanged."""
    try:
        document = json.loads(body)
    except (TypeError, ValueError):
        return body
    if not isinstance(document, dict) or not change(document):
        return body
    text = json.dumps(document)
    return text.encode() if isinstance(body, bytes) else text


def _dynamodb_as_asked(call_action: Any) -> Any:
    def call(handler: Any) -> Any:
        status, headers, body = call_action(handler)
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        action = handler._get_action()
        creating = "WarmThroughput" in text and action in ("CreateTable", "DeleteTable")
        changing_sse = action == "UpdateTable" and "SSEDescription" in text
        if status != 200 or not (creating or changing_sse or "Consumed" in text or "ItemCollection" in text):
            return status, headers, body
        request = getattr(handler, "body", None) or {}

        def drop(document: dict[str, Any]) -> bool:
            before = len(document)
            description = document.get("TableDescription")
            unasked = "WarmThroughput" not in request or action == "DeleteTable"
            if creating and unasked and isinstance(description, dict):
                if description.pop("WarmThroughput", None) is not None:
                    before += 1
            warm = description.get("WarmThroughput") if isinstance(description, dict) else None
            if creating and not unasked and isinstance(warm, dict) and warm.get("Status") != "UPDATING":
                warm["Status"] = "UPDATING"  # the table warms up after CreateTable answers
                before += 1
            sse = description.get("SSEDescription") if isinstance(description, dict) else None
            if changing_sse and "SSESpecification" in request and isinstance(sse, dict):
                sse["Status"] = "UPDATING"  # the change is applied after UpdateTable answers
                before += 1
            if creating and isinstance(description, dict):  # an index's too, unless its request set it
                asked = {index.get("IndexName") for index in request.get("GlobalSecondaryIndexes") or []
                         if "WarmThroughput" in index and action == "CreateTable"}
                for index in description.get("GlobalSecondaryIndexes") or []:
                    if index.get("IndexName") not in asked and index.pop("WarmThroughput", None) is not None:
                        before += 1
            document.pop("ConsumedCapacityUnits", None)  # no AWS member at all
            if request.get("ReturnConsumedCapacity") not in ("TOTAL", "INDEXES"):
                document.pop("ConsumedCapacity", None)
            if request.get("ReturnItemCollectionMetrics") != "SIZE":
                document.pop("ItemCollectionMetrics", None)
            return len(document) != before

        reshaped = _reshaped(body, drop)
        if reshaped is not body and "x-amz-crc32" in headers:  # the checksum SDKs verify, of the body sent
            raw = reshaped.encode() if isinstance(reshaped, str) else reshaped
            headers["x-amz-crc32"] = str(zlib.crc32(raw) & 0xFFFFFFFF)
        return status, headers, reshaped

    return call


def _table_described(describe: Any) -> Any:
    def described(table: Any, base_key: str = "TableDescription") -> dict[str, Any]:
        result = describe(table, base_key)
        description = result.get(base_key)
        if isinstance(description, dict):
            description["TableId"] = vars(table).setdefault("_aws_table_id", str(uuid.uuid4()))
            for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
                if description.get(key) == []:
                    del description[key]
            summary = description.get("BillingModeSummary", {})
            if summary.get("BillingMode") == "PROVISIONED":
                del description["BillingModeSummary"]  # AWS reports it for on-demand tables only
            elif summary.get("BillingMode") == "PAY_PER_REQUEST" and "CreationDateTime" in description:
                description["BillingModeSummary"] = {**summary, "LastUpdateToPayPerRequestDateTime":
                                                     summary.get("LastUpdateToPayPerRequestDateTime",
                                                                 description["CreationDateTime"])}
            for index in description.get("GlobalSecondaryIndexes") or []:
                index.setdefault("IndexArn", f"{description.get('TableArn')}/index/{index.get('IndexName')}")
                index.setdefault("IndexSizeBytes", 0)  # AWS refreshes both about every six hours
                index.setdefault("ItemCount", 0)
                if isinstance(index.get("ProvisionedThroughput"), dict):
                    index["ProvisionedThroughput"] = {"NumberOfDecreasesToday": 0, **index["ProvisionedThroughput"]}
        return result

    return described


def _sqs_without_empty_failed(call_action: Any) -> Any:
    def call(response: Any) -> Any:
        status, headers, body = call_action(response)
        marker = b'"Failed": []' if isinstance(body, bytes) else '"Failed": []'
        if status == 200 and marker in body:
            body = _reshaped(body, lambda document: document.get("Failed") == [] and document.pop("Failed") == [])
        return status, headers, body

    return call
