"""Kinesis Data Streams for DynamoDB: a table's item changes delivered to a Kinesis stream.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/kds.html. moto has none of
Enable/Describe/Update/DisableKinesisStreamingDestination (they answered 500). The engine keeps
each table's destinations (status, creation-time precision) and answers them as AWS does (the
answers' wording from AWS's recorded answers); every item change of a table with an ACTIVE
destination goes to the stream as AWS's record (both images, ``recordFormat``, creation time in
milliseconds or microseconds), put into moto's Kinesis stream in-process (Stream.put_record: the
same numbering and lock as PutRecord).

Statuses: Enable answers ENABLING and the destination is ACTIVE from the next call (AWS takes
minutes); Update answers UPDATING, Disable answers DISABLING, then DISABLED.

Known gaps: changes are seen through moto's DynamoDB stream shard, so only tables with
DynamoDB Streams enabled deliver (a table without a stream keeps its destination ACTIVE but
sends nothing); DescribeTable does not list the destinations.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from typing import Any

from sandbox.arn import parse_as
from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.shared.actions import ApiError, Request

PRECISIONS = ("MILLISECOND", "MICROSECOND")
TableKey = tuple[str, str, str]  # account, region, table name


def _table(request: Request) -> Any:
    name = request.get("TableName")
    table = seam.backend("dynamodb", request.account_id, request.region).tables.get(name)
    if table is None:
        raise ApiError("ResourceNotFoundException", f"Requested resource not found: Table: {name} not found")
    return table


class KinesisDestinations:
    """Each table's Kinesis streaming destinations, and the delivery of its item changes."""

    def __init__(self) -> None:
        self._destinations: dict[TableKey, dict[str, dict[str, str]]] = {}  # stream ARN -> destination
        self._lock = threading.Lock()

    # -- the API ----------------------------------------------------------------------------------
    def enable(self, request: Request) -> dict[str, Any]:
        table = _table(request)
        stream_arn = request.require("StreamArn")
        configuration = request.get("EnableKinesisStreamingConfiguration") or {}
        precision = configuration.get("ApproximateCreationDateTimePrecision", "MILLISECOND")
        self._stream(stream_arn)
        with self._lock:
            destinations = self._destinations.setdefault(self._key(request, table), {})
            current = destinations.get(stream_arn)
            if current is not None and current["DestinationStatus"] in ("ENABLING", "ACTIVE"):
                raise ApiError("ValidationException", "Table is not in a valid state to enable Kinesis Streaming "
                               f"Destination: Kinesis streaming is already enabled for table {table.name}")
            destinations[stream_arn] = {"StreamArn": stream_arn, "DestinationStatus": "ACTIVE",
                                        "ApproximateCreationDateTimePrecision": precision}
        return {"TableName": table.name, "StreamArn": stream_arn, "DestinationStatus": "ENABLING",
                "EnableKinesisStreamingConfiguration": dict(configuration)}

    def describe_destinations(self, request: Request) -> dict[str, Any]:
        table = _table(request)
        with self._lock:
            destinations = list(self._destinations.get(self._key(request, table), {}).values())
        shown = [{"StreamArn": d["StreamArn"], "DestinationStatus": d["DestinationStatus"],
                  **({"ApproximateCreationDateTimePrecision": d["ApproximateCreationDateTimePrecision"]}
                     if d.get("precision_set") else {})} for d in destinations]
        return {"TableName": table.name, "KinesisDataStreamDestinations": shown}

    def update(self, request: Request) -> dict[str, Any]:
        table = _table(request)
        stream_arn = request.require("StreamArn")
        configuration = request.get("UpdateKinesisStreamingConfiguration") or {}
        precision = configuration.get("ApproximateCreationDateTimePrecision")
        if precision is None:
            raise ApiError("ValidationException", "Streaming destination cannot be updated with given parameters: "
                           "UpdateKinesisStreamingConfiguration cannot be null or contain only null values")
        if precision not in PRECISIONS:
            raise ApiError("ValidationException", f"1 validation error detected: Value '{precision}' at "
                           "'updateKinesisStreamingConfiguration.approximateCreationDateTimePrecision' failed to "
                           "satisfy constraint: Member must satisfy enum value set: [MILLISECOND, MICROSECOND]")
        with self._lock:
            destination = self._active(request, table, stream_arn, "enable")
            if destination["ApproximateCreationDateTimePrecision"] == precision:
                raise ApiError("ValidationException", f"Invalid Request: Precision is already set to the desired "
                               f"value of {precision} for tableId: {_table_id(table)}, kdsArn: {stream_arn}")
            destination["ApproximateCreationDateTimePrecision"] = precision
            destination["precision_set"] = "yes"
        return {"TableName": table.name, "StreamArn": stream_arn, "DestinationStatus": "UPDATING",
                "UpdateKinesisStreamingConfiguration": {"ApproximateCreationDateTimePrecision": precision}}

    def disable(self, request: Request) -> dict[str, Any]:
        table = _table(request)
        stream_arn = request.require("StreamArn")
        with self._lock:
            destination = self._active(request, table, stream_arn, "disable")
            destination["DestinationStatus"] = "DISABLED"
        return {"TableName": table.name, "StreamArn": stream_arn, "DestinationStatus": "DISABLING"}

    # -- delivery ---------------------------------------------------------------------------------
    def item_changed(self, table: Any, event_name: str, record: dict[str, Any], old: Any, new: Any) -> None:
        """One item change of `table` (moto's stream record) to its ACTIVE destinations."""
        destinations = self._destinations.get((table.account_id, table.region_name, table.name))
        if not destinations:
            return
        for destination in list(destinations.values()):
            if destination["DestinationStatus"] != "ACTIVE":
                continue
            micro = destination["ApproximateCreationDateTimePrecision"] == "MICROSECOND"
            now_us = time.time_ns() // 1000
            dynamodb: dict[str, Any] = {
                "ApproximateCreationDateTime": now_us if micro else now_us // 1000,
                "Keys": record["dynamodb"]["Keys"],
            }
            if new is not None:
                dynamodb["NewImage"] = new.to_json()["Attributes"]
            if old is not None:
                dynamodb["OldImage"] = old.to_json()["Attributes"]
            dynamodb["SizeBytes"] = len(_json(dynamodb))
            dynamodb["ApproximateCreationDateTimePrecision"] = destination["ApproximateCreationDateTimePrecision"]
            document = {"awsRegion": table.region_name, "eventID": str(uuid.uuid4()), "eventName": event_name,
                        "userIdentity": None, "recordFormat": "application/json", "tableName": table.name,
                        "dynamodb": dynamodb, "eventSource": "aws:dynamodb"}
            stream = self._stream(destination["StreamArn"], missing_ok=True)
            if stream is not None:
                key = json.dumps(record["dynamodb"]["Keys"], sort_keys=True)[:256]  # a partition key's limit
                stream.put_record(key, None, base64.b64encode(_json(document).encode()).decode())

    # -- engine -----------------------------------------------------------------------------------
    def _active(self, request: Request, table: Any, stream_arn: str, verb: str) -> dict[str, Any]:
        """The table's ACTIVE destination to `stream_arn` (under the lock), or AWS's ValidationException
        (its wording says "enable" for an update, "disable" for a disable)."""
        destination = self._destinations.get(self._key(request, table), {}).get(stream_arn)
        if destination is None or destination["DestinationStatus"] != "ACTIVE":
            raise ApiError("ValidationException", f"Table is not in a valid state to {verb} Kinesis Streaming "
                           f"Destination: No streaming destination with streamArn: {stream_arn} found for "
                           f"table with tableName: {table.name}")
        return destination

    @staticmethod
    def _key(request: Request, table: Any) -> TableKey:
        return request.account_id, request.region, table.name

    @staticmethod
    def _stream(stream_arn: str, missing_ok: bool = False) -> Any:
        arn = parse_as(stream_arn, "kinesis", "stream")
        stream = None
        if arn is not None:
            stream = seam.backend("kinesis", arn.account, arn.region).streams.get(arn.resource_id)
        if stream is None and not missing_ok:
            raise ApiError("ValidationException", f"Stream {stream_arn} not found.")  # AWS's wording unrecorded
        return stream

    def stop(self) -> None:
        pass

    def reset(self) -> None:
        with self._lock:
            self._destinations.clear()

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{"table": name, "stream": arn, "status": d["DestinationStatus"]}
                    for (_, _, name), destinations in self._destinations.items() for arn, d in destinations.items()]


def _json(document: Any) -> str:
    """JSON as DynamoDB's Kinesis records carry it: binary attributes (B, BS) base64-encoded."""
    return json.dumps(document, default=lambda value: base64.b64encode(value).decode()
                      if isinstance(value, (bytes, bytearray)) else str(value))


def _table_id(table: Any) -> str:
    return table.describe()["TableDescription"].get("TableId", "")
