"""Read a DynamoDB stream's single shard from moto's in-process store.

Lambda polls the stream's shards as it does Kinesis shards:
https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html

moto keeps one shard per table (`table.stream_shard`), its records in a list whose index plus the
shard's starting sequence number is the record's sequence number. Known gap: moto has no shard
rollover or 24-hour trimming, and stamps every record with region us-east-1 (replaced here).
moto keeps binary attributes (`B`, `BS`) as bytes; the event carries them base64-encoded, as AWS's
JSON does (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_AttributeValue.html).
"""

from __future__ import annotations

import base64
import bisect
from datetime import datetime
from typing import Any

from sandbox.arn import Arn
from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.esm.records import SourceGone, SourceRecord
from sandbox.localcloud.shared.kinesis_shards import StartingPosition


def _json_safe(value: Any) -> Any:
    """`value` with every bytes (a B or BS attribute) as base64 text; the rest unchanged."""
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    return value


def _epoch(value: Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)


class DynamoDBShardReader:
    def __init__(self, table: Any, stream_arn: str, region: str) -> None:
        self._table = table
        self._shard = table.stream_shard
        self.shard_id: str = self._shard.id
        self._stream_arn = stream_arn
        self._region = region

    def start_after(self, position: StartingPosition, timestamp: float | None) -> int:
        start = self._shard.starting_sequence_number
        items = self._shard.items
        if position is StartingPosition.LATEST:
            return start + len(items) - 1
        if position is StartingPosition.AT_TIMESTAMP and timestamp is not None:
            index = bisect.bisect_left(
                items, timestamp, key=lambda item: _epoch(item.record["dynamodb"]["ApproximateCreationDateTime"])
            )
            return start + index - 1
        return start - 1

    def read(self, after: int, limit: int, identity_arn: str) -> list[SourceRecord]:
        start = self._shard.starting_sequence_number
        first = max(0, after + 1 - start)
        out: list[SourceRecord] = []
        for offset, item in enumerate(self._shard.items[first : first + limit]):
            dynamodb = _json_safe(item.record["dynamodb"])
            arrival = _epoch(dynamodb["ApproximateCreationDateTime"])
            dynamodb["ApproximateCreationDateTime"] = float(int(arrival))  # whole seconds, as a JSON number with a fraction, as AWS sends
            out.append(
                SourceRecord(
                    start + first + offset,
                    dynamodb["SequenceNumber"],
                    arrival,
                    int(dynamodb.get("SizeBytes", 1)),
                    {
                        "eventID": item.record["eventID"],
                        "eventName": item.record["eventName"],
                        "eventVersion": "1.1",
                        "eventSource": "aws:dynamodb",
                        "awsRegion": self._region,
                        "dynamodb": dynamodb,
                        "eventSourceARN": self._stream_arn,
                    },
                )
            )
        return out


class DynamoDBSource:
    """The table whose latest stream ARN is the mapping's source."""

    batch_info_key = "DDBStreamBatchInfo"

    def __init__(self, source_arn: str) -> None:
        self.source_arn = source_arn
        arn = Arn.parse(source_arn)  # arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL
        self._region, self._account = arn.region, arn.account
        self._table_name = arn.resource_id.split("/stream/", 1)[0]
        self._reader: DynamoDBShardReader | None = None

    def shards(self) -> list[DynamoDBShardReader]:
        table = seam.backend("dynamodb", self._account, self._region).tables.get(self._table_name)
        if table is None or table.stream_shard is None:
            raise SourceGone(f"DynamoDB stream {self.source_arn} does not exist")
        if self._reader is None or self._reader._shard is not table.stream_shard:
            self._reader = DynamoDBShardReader(table, self.source_arn, self._region)
        return [self._reader]
