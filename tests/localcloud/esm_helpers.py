"""Shared helpers of the event source mapping tests: a recording test-double invoker and the AWS
resources a mapping needs, all created through boto3 with names the project never uses."""

from __future__ import annotations

import base64
import io
import json
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from typing import Any, Callable

from sandbox.aws import client
from sandbox.localcloud.runtime import InvocationResult

Behaviour = Callable[[dict[str, Any]], InvocationResult]


def ok(_event: dict[str, Any]) -> InvocationResult:
    return InvocationResult(200, b"null")


def unhandled(message: str = "boom") -> InvocationResult:
    body = json.dumps({"errorMessage": message, "errorType": "ValueError"}).encode()
    return InvocationResult(200, body, function_error="Unhandled", request_id=str(uuid.uuid4()))


def data_of(record: dict[str, Any]) -> str:
    return base64.b64decode(record["kinesis"]["data"]).decode()


@dataclass
class Call:
    at: float
    event: dict[str, Any]
    result: InvocationResult

    @property
    def records(self) -> list[dict[str, Any]]:
        return self.event["Records"]


@dataclass
class FakeLambda:
    """Test double for the runtime's invoker: runs a Python behaviour per function, records calls.

    Functions it does not know (mappings left by other tests) answer success and are not recorded.
    """

    behaviours: dict[str, Behaviour] = field(default_factory=dict)
    calls: dict[str, list[Call]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, function: str, payload: bytes, **_: Any) -> InvocationResult:
        name = function.split(":function:")[-1].split(":")[0]
        behaviour = self.behaviours.get(name)
        if behaviour is None:
            return InvocationResult(200, b"null")
        event = json.loads(payload)
        result = behaviour(event)
        with self.lock:
            self.calls.setdefault(name, []).append(Call(time.time(), event, result))
        return result

    def calls_of(self, name: str) -> list[Call]:
        with self.lock:
            return list(self.calls.get(name, []))

    def records_of(self, name: str, *, ok_only: bool = False) -> list[dict[str, Any]]:
        return [r for c in self.calls_of(name) if not ok_only or c.result.ok for r in c.records]


def handler_zip(source: str, module: str = "esmprobe") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr(f"{module}.py", source)
    return buf.getvalue()


class Resources:
    """Creates functions, streams, queues and mappings; deletes the mappings at the end."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.lam = client("lambda", settings)
        self.kinesis = client("kinesis", settings)
        self.sqs = client("sqs", settings)
        self.mappings: list[str] = []

    @staticmethod
    def name(kind: str) -> str:
        return f"esmt-{kind}-{uuid.uuid4().hex[:8]}"

    def role(self) -> str:
        iam = client("iam", self.settings)
        try:
            return iam.create_role(RoleName="esmt-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        except iam.exceptions.EntityAlreadyExistsException:
            return iam.get_role(RoleName="esmt-role")["Role"]["Arn"]

    def function(self, source: str = "def handler(event, context):\n    return None\n", timeout: int = 10) -> str:
        name = self.name("fn")
        self.lam.create_function(
            FunctionName=name,
            Runtime="python3.11",
            Role=self.role(),
            Handler="esmprobe.handler",
            Code={"ZipFile": handler_zip(source)},
            Timeout=timeout,
        )
        return name

    def stream(self, shards: int = 1) -> tuple[str, str]:
        name = self.name("stream")
        self.kinesis.create_stream(StreamName=name, ShardCount=shards)
        arn = self.kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
        return name, arn

    def table_with_stream(self, key: str = "id", key_type: str = "S") -> tuple[str, str]:
        """(name, stream ARN) of a new on-demand table with a NEW_AND_OLD_IMAGES stream."""
        name = self.name("table")
        created = client("dynamodb", self.settings).create_table(
            TableName=name, KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": key_type}], BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        return name, created["TableDescription"]["LatestStreamArn"]

    def queue(self, **attributes: str) -> tuple[str, str]:
        url = self.sqs.create_queue(QueueName=self.name("queue"), Attributes=attributes)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def put(self, stream: str, *data: str, key: str = "pk") -> list[str]:
        return [
            self.kinesis.put_record(StreamName=stream, Data=d.encode(), PartitionKey=key)["SequenceNumber"]
            for d in data
        ]

    def mapping(self, function: str, source_arn: str, **options: Any) -> dict[str, Any]:
        if ":sqs:" not in source_arn:
            options.setdefault("StartingPosition", "TRIM_HORIZON")
        created = self.lam.create_event_source_mapping(FunctionName=function, EventSourceArn=source_arn, **options)
        self.mappings.append(created["UUID"])
        return created

    def state(self, mapping_uuid: str) -> str:
        return self.lam.get_event_source_mapping(UUID=mapping_uuid)["State"]

    def received(self, queue_url: str, count: int = 1) -> list[dict[str, Any]]:
        """Read (and delete) up to `count` messages, as parsed JSON bodies."""
        answer = self.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=min(10, count))
        messages = answer.get("Messages", [])
        for message in messages:
            self.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        return [json.loads(m["Body"]) for m in messages]

    def cleanup(self) -> None:
        for mapping_uuid in self.mappings:
            try:
                self.lam.delete_event_source_mapping(UUID=mapping_uuid)
            except self.lam.exceptions.ResourceNotFoundException:
                pass
            except Exception:  # moto answers 404 with an empty body for an unknown UUID
                pass
