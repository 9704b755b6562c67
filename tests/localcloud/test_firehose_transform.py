"""Firehose data transformation with a real Lambda (zip built here): Ok, Dropped, ProcessingFailed."""

from __future__ import annotations

import base64
import io
import json
import uuid
import zipfile
from typing import Any, Iterator

import pytest

from sandbox.aws import client
from sandbox.waiting import wait_until
from tests.localcloud.test_firehose_s3 import Streams, body, objects, row, unique

TRANSFORM = '''
import base64


def handler(event, context):
    out = []
    for record in event["records"]:
        text = base64.b64decode(record["data"]).decode()
        if text.startswith("drop"):
            out.append({"recordId": record["recordId"], "result": "Dropped"})
        elif text.startswith("fail"):
            out.append({"recordId": record["recordId"], "result": "ProcessingFailed", "data": record["data"]})
        elif text.startswith("lose"):
            continue  # a buggy function that forgets a record
        else:
            data = base64.b64encode((text.upper() + "|" + event["deliveryStreamArn"].split("/")[-1] + "\\n").encode())
            out.append({"recordId": record["recordId"], "result": "Ok", "data": data.decode()})
    return {"records": out}


def broken(event, context):
    raise RuntimeError("transform crashed")
'''


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("transform.py", TRANSFORM)
    return buf.getvalue()


def _role(settings: Any) -> str:
    iam = client("iam", settings)
    try:
        return iam.create_role(RoleName="lc-fh-test-lambda-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        return iam.get_role(RoleName="lc-fh-test-lambda-role")["Role"]["Arn"]


def _function(settings: Any, handler: str) -> str:
    name = f"lc-fh-transform-{uuid.uuid4().hex[:8]}"
    answer = client("lambda", settings).create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=_role(settings),
        Handler=f"transform.{handler}",
        Code={"ZipFile": _zip()},
        Timeout=10,
    )
    return answer["FunctionArn"]


@pytest.fixture
def streams(localcloud) -> Iterator[Streams]:
    made = Streams(localcloud.settings)
    yield made
    made.cleanup()


def _stream(streams: Streams, bucket: str, lambda_arn: str, retries: int = 3) -> str:
    return streams.s3(
        bucket,
        Prefix="lc-fh-ok/",
        BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 0},
        ProcessingConfiguration={
            "Enabled": True,
            "Processors": [
                {
                    "Type": "Lambda",
                    "Parameters": [
                        {"ParameterName": "LambdaArn", "ParameterValue": lambda_arn},
                        {"ParameterName": "BufferIntervalInSeconds", "ParameterValue": "1"},
                        {"ParameterName": "NumberOfRetries", "ParameterValue": str(retries)},
                    ],
                }
            ],
        },
    )


def _errors(settings: Any, bucket: str, prefix: str) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for item in objects(settings, bucket, prefix)
        for line in body(settings, bucket, item["Key"]).splitlines()
    ]


def test_ok_dropped_and_failed_records(localcloud, streams):
    settings = localcloud.settings
    bucket = unique("bucket")
    client("s3", settings).create_bucket(Bucket=bucket)
    lambda_arn = _function(settings, "handler")
    name = _stream(streams, bucket, lambda_arn)
    sent = ["alpha", "drop me", "fail me", "beta", "lose me"]
    client("firehose", settings).put_record_batch(
        DeliveryStreamName=name, Records=[{"Data": text.encode()} for text in sent]
    )

    delivered = wait_until(lambda: objects(settings, bucket, "lc-fh-ok/"), timeout=20, message="transformed object")
    assert body(settings, bucket, delivered[0]["Key"]) == f"ALPHA|{name}\nBETA|{name}\n".encode()
    errors = wait_until(lambda: _errors(settings, bucket, "lc-fh-ok/processing-failed/"), timeout=10, message="errors")
    by_data = {base64.b64decode(e["rawData"]).decode(): e for e in errors}
    assert set(by_data) == {"fail me", "lose me"}
    assert by_data["fail me"]["errorCode"] == "Lambda.ProcessingFailed"
    assert by_data["lose me"]["errorCode"] == "Lambda.MissingRecordId"
    for error in errors:
        assert error["lambdaArn"] == lambda_arn and error["attemptsMade"] == 1
        assert error["attemptEndingTimestamp"] >= error["arrivalTimestamp"] > 1_600_000_000_000
    described = row(localcloud, name)
    assert (described["delivered_records"], described["failed_records"], described["dropped_records"]) == (2, 2, 1)
    assert described["transform"] == lambda_arn


def test_function_error_after_retries_sends_the_batch_to_processing_failed(localcloud, streams):
    settings = localcloud.settings
    bucket = unique("bucket")
    client("s3", settings).create_bucket(Bucket=bucket)
    lambda_arn = _function(settings, "broken")
    name = _stream(streams, bucket, lambda_arn, retries=1)
    client("firehose", settings).put_record_batch(
        DeliveryStreamName=name, Records=[{"Data": b"a"}, {"Data": b"b"}]
    )

    errors = wait_until(lambda: _errors(settings, bucket, "lc-fh-ok/processing-failed/"), timeout=20, message="errors")
    assert sorted(base64.b64decode(e["rawData"]) for e in errors) == [b"a", b"b"]
    assert {(e["errorCode"], e["attemptsMade"]) for e in errors} == {("Lambda.FunctionError", 2)}
    assert not [o for o in objects(settings, bucket, "lc-fh-ok/") if "processing-failed" not in o["Key"]]
    assert row(localcloud, name)["failed_records"] == 2
