"""Hooks into moto's DynamoDB and DynamoDB Streams.

- ``DynamoHandler.call_action``: Enable/Describe/Update/DisableKinesisStreamingDestination
  (kinesis_destinations.py) and DescribeContributorInsights (DISABLED: contributor insights are
  never enabled here) answered in place of moto, which has none of them
  (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DescribeContributorInsights.html);
  ExecuteStatement with an empty ``Parameters`` list is a ValidationException, as on AWS (moto ran
  the statement); errors moto words differently get AWS's wording (wording.py).
- ``DynamoDBBackend.execute_statement`` / ``.batch_execute_statement``: statements rewritten by
  partiql.py first.
- ``StreamShard.add``: each item change moto records reaches the table's Kinesis destinations;
  a write that changed nothing adds no stream record, and records carry eventVersion 1.1, as
  DynamoDB Streams' do (https://docs.aws.amazon.com/amazondynamodbstreams/latest/APIReference/API_Record.html).
- ``DynamoDBStreamsHandler.describe_stream``: ExclusiveStartShardId leaves out the shards up to
  and including it (moto ignored it)
  (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_DescribeStream.html).
- ``Table._get_default_encryption_key``: the ``alias/aws/dynamodb`` key moto creates for SSE is
  AWS-managed (KeyManager AWS) with AWS's description
  (https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#aws-managed-cmk).
"""

from __future__ import annotations

import json
import logging
import zlib
from typing import Any, Callable

from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.dynamodb import wording
from sandbox.localcloud.dynamodb.kinesis_destinations import KinesisDestinations
from sandbox.localcloud.dynamodb.partiql import numbers_as_parameters
from sandbox.localcloud.shared.actions import JSON_HEADERS, ApiError, Request, answer_actions, request_of

CALL = seam.target("moto.dynamodb.responses:DynamoHandler", "call_action", "(self)")
EXECUTE = seam.target("moto.dynamodb.models:DynamoDBBackend", "execute_statement", "(self, statement, parameters)")
BATCH_EXECUTE = seam.target("moto.dynamodb.models:DynamoDBBackend", "batch_execute_statement", "(self, statements)")
STREAM_ADD = seam.target("moto.dynamodb.models.table:StreamShard", "add", "(self, old, new)")
STREAMS_DESCRIBE = seam.target("moto.dynamodbstreams.responses:DynamoDBStreamsHandler", "describe_stream", "(self)")
log = logging.getLogger(__name__)

DEFAULT_KEY = seam.target("moto.dynamodb.models.table:Table", "_get_default_encryption_key", "(self, account_id, region)")
TARGETS = (CALL, EXECUTE, BATCH_EXECUTE, STREAM_ADD, STREAMS_DESCRIBE, DEFAULT_KEY)


def install(patches: seam.Patches, destinations: KinesisDestinations) -> None:
    answer = answer_actions({
        "EnableKinesisStreamingDestination": destinations.enable,
        "DescribeKinesisStreamingDestination": destinations.describe_destinations,
        "UpdateKinesisStreamingDestination": destinations.update,
        "DisableKinesisStreamingDestination": destinations.disable,
        "DescribeContributorInsights": _contributor_insights,
    })
    patches.replace(CALL, lambda call_action: _empty_parameters_rejected(answer(call_action)))
    patches.replace(EXECUTE, _execute_rewritten)
    patches.replace(BATCH_EXECUTE, _batch_rewritten)
    patches.replace(STREAM_ADD, lambda add: _delivered(add, destinations))
    patches.replace(STREAMS_DESCRIBE, _after_exclusive_start_shard)
    patches.replace(DEFAULT_KEY, _aws_managed_key)


def _contributor_insights(request: Request) -> dict[str, Any]:
    table = seam.backend("dynamodb", request.account_id, request.region).tables.get(request.get("TableName"))
    if table is None:
        raise ApiError("ResourceNotFoundException", f"Requested resource not found: Table: {request.get('TableName')} not found")
    answer = {"TableName": table.name, "ContributorInsightsStatus": "DISABLED"}
    if request.get("IndexName"):
        answer["IndexName"] = request.get("IndexName")
    return answer


EMPTY_PARAMETERS = ("1 validation error detected: Value '[]' at 'parameters' failed to satisfy constraint: "
                    "Member must have length greater than or equal to 1")


def _empty_parameters_rejected(call_action: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def call(handler: Any) -> Any:
        action = handler._get_action()
        if action == "ExecuteStatement" and request_of(handler).get("Parameters") == []:
            return 400, dict(JSON_HEADERS), json.dumps({"__type": "ValidationException", "message": EMPTY_PARAMETERS})
        status, headers, body = call_action(handler)
        if status == 400 and action in REWORDED_ACTIONS:
            params = handler.body if isinstance(handler.body, dict) else request_of(handler).params  # moto parsed it
            body = _reworded(action, body, headers, params)
        return status, headers, body

    return call


REWORDED_ACTIONS = {action for action, _, _ in wording.REWORDED}


def _reworded(action: str, body: Any, headers: dict[str, Any], request: dict[str, Any]) -> Any:
    try:
        document = json.loads(body)
    except (TypeError, ValueError):
        return body
    key = "message" if "message" in document else "Message"
    message = wording.aws_message(action, str(document.get(key, "")), request)
    if message is None:
        return body
    document[key] = message
    text = json.dumps(document)
    if "x-amz-crc32" in headers:  # the checksum SDKs verify, of the body sent
        headers["x-amz-crc32"] = str(zlib.crc32(text.encode()) & 0xFFFFFFFF)
    return text.encode() if isinstance(body, bytes) else text


def _execute_rewritten(execute: Callable[..., Any]) -> Callable[..., Any]:
    def execute_statement(backend: Any, statement: str, parameters: Any) -> Any:
        statement, parameters = numbers_as_parameters(statement, parameters)
        return execute(backend, statement, parameters)

    return execute_statement


def _batch_rewritten(batch: Callable[..., Any]) -> Callable[..., Any]:
    def batch_execute_statement(backend: Any, statements: list[dict[str, Any]]) -> Any:
        rewritten = []
        for entry in statements:
            statement, parameters = numbers_as_parameters(entry.get("Statement", ""), entry.get("Parameters"))
            rewritten.append({**entry, "Statement": statement,
                              **({"Parameters": parameters} if parameters is not None else {})})
        return batch(backend, rewritten)

    return batch_execute_statement


def _delivered(add: Callable[..., None], destinations: KinesisDestinations) -> Callable[..., None]:
    def add_record(shard: Any, old: Any, new: Any) -> None:
        if old is not None and new is not None and old.attrs == new.attrs:
            return  # a write that changed nothing: no stream record on AWS
        add(shard, old, new)
        record = shard.items[-1].record
        record["eventVersion"] = "1.1"
        try:
            destinations.item_changed(shard.table, record["eventName"], record, old, new)
        except Exception:  # the write stands, as on AWS, whatever happens to its delivery
            log.exception("delivering a change of table %s to its Kinesis destination failed", shard.table.name)

    return add_record


def _after_exclusive_start_shard(describe: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def describe_stream(handler: Any) -> Any:
        result = describe(handler)
        start = handler._get_param("ExclusiveStartShardId")
        description = getattr(result, "result", None)
        if start and isinstance(description, dict) and "StreamDescription" in description:
            shards = description["StreamDescription"].get("Shards") or []
            ids = [shard["ShardId"] for shard in shards]
            after = ids.index(start) + 1 if start in ids else 0
            description["StreamDescription"]["Shards"] = shards[after:]
        return result

    return describe_stream


AWS_MANAGED_DESCRIPTION = "Default key that protects my DynamoDB data when no other key is defined"


def _aws_managed_key(default_key: Callable[..., str]) -> Callable[..., str]:
    def get_default_encryption_key(table: Any, account_id: str, region: str) -> str:
        arn = default_key(table, account_id, region)
        key = seam.backend("kms", account_id, region).describe_key(arn)
        key.description, key.key_manager = AWS_MANAGED_DESCRIPTION, "AWS"
        return arn

    return get_default_encryption_key
