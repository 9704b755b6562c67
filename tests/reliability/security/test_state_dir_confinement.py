"""Names that users choose cannot reach files outside the stack's state directory.

The stack writes files named after user input in one place: a Lambda function's unpacked code
(`<state>/lambda/code/<function>-<digest>/<zip entries>`). S3 objects, Firehose prefixes, log
groups and OpenSearch indexes live in memory; they are tried too, so that a future file-backed store
is held to the same rule. Each hostile name carries a token; afterwards no file or folder with the
token exists outside the state dir (its private root, /tmp and the repository are searched).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import urllib.parse
import urllib.request
import uuid
import zipfile
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from sandbox.aws import client
from sandbox.settings import PROJECT_ROOT
from sandbox.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

HANDLER = b"def handler(event, context):\n    return {'ok': True}\n"


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name), data)
    return buffer.getvalue()


def _escaped(token: str, state_dir: Path) -> list[str]:
    """Paths holding `token` outside `state_dir`: its root (all of it), /tmp and the repo (two levels)."""
    found = []
    roots = [(state_dir.parent, 99), (Path("/tmp"), 2), (PROJECT_ROOT, 2), (Path("/"), 1)]
    for root, depth in roots:
        for folder, dirs, files in os.walk(root):
            level = len(Path(folder).relative_to(root).parts)
            if level >= depth or Path(folder).is_relative_to(state_dir):
                dirs[:] = []
            for name in dirs + files:
                path = Path(folder) / name
                if token in name and not path.is_relative_to(state_dir):
                    found.append(str(path))
    return found


def test_hostile_function_names_are_rejected_and_write_nothing_outside(reliability_stack):
    token = uuid.uuid4().hex
    lam = client("lambda", reliability_stack)
    role = f"arn:aws:iam::{reliability_stack.account_id}:role/{reliability_stack.names.lambda_role}"
    accepted, escaped = [], []
    try:
        for name in (f"../../../{token}", f"a/../../../../{token}", f"/tmp/{token}", ".."):
            try:
                lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="index.handler",
                                    Code={"ZipFile": _zip({"index.py": HANDLER})})
            except ClientError as exc:
                assert exc.response["Error"]["Code"] in {"ValidationException", "InvalidParameterValueException"}
                continue
            accepted.append(name)
            lam.invoke(FunctionName=name, Payload=b"{}")  # unpacks the code
        escaped = _escaped(token, reliability_stack.state_dir)
    finally:
        for name in accepted:
            lam.delete_function(FunctionName=name)
        for path in _escaped(token, reliability_stack.state_dir):  # leave nothing behind, even on failure
            shutil.rmtree(path, ignore_errors=True)
    assert not accepted, f"AWS rejects these function names (pattern [a-zA-Z0-9-_]+): {accepted}"
    assert not escaped, f"files written outside the state dir: {escaped}"


def test_zip_entries_cannot_escape_the_code_folder(reliability_stack):
    token = uuid.uuid4().hex
    lam = client("lambda", reliability_stack)
    role = f"arn:aws:iam::{reliability_stack.account_id}:role/{reliability_stack.names.lambda_role}"
    name = f"confinement-{token[:12]}"
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="index.handler", Code={
        "ZipFile": _zip({"index.py": HANDLER, f"../../../{token}-slip.py": b"x", f"/tmp/{token}-abs.py": b"x",
                         f"..\\..\\{token}-win.py": b"x"})})
    try:
        answer = lam.invoke(FunctionName=name, Payload=b"{}")
        assert json.loads(answer["Payload"].read()) == {"ok": True}  # the code was unpacked and ran
        assert not _escaped(token, reliability_stack.state_dir)
    finally:
        lam.delete_function(FunctionName=name)


def test_hostile_keys_prefixes_and_index_names_write_no_file(reliability_stack):
    settings = reliability_stack
    token = uuid.uuid4().hex
    s3 = client("s3", settings)
    bucket = settings.names.datalake_bucket
    for key in (f"../../{token}-key", f"/tmp/{token}-abs", f"a/../../../{token}-dots"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"x"  # stored under that exact key

    firehose = client("firehose", settings)
    stream = f"confinement-{token[:12]}"
    firehose.create_delivery_stream(DeliveryStreamName=stream, ExtendedS3DestinationConfiguration={
        "RoleARN": f"arn:aws:iam::{settings.account_id}:role/{settings.names.lambda_role}",
        "BucketARN": f"arn:aws:s3:::{bucket}", "Prefix": f"../../{token}-fh/",
        "ErrorOutputPrefix": f"../../{token}-fherr/!{{firehose:error-output-type}}/",
        "BufferingHints": {"IntervalInSeconds": 1, "SizeInMBs": 1}})
    try:
        firehose.put_record(DeliveryStreamName=stream, Record={"Data": b"{\"a\": 1}\n"})
        wait_until(lambda: s3.list_objects_v2(Bucket=bucket, Prefix=f"../../{token}-fh/").get("KeyCount"),
                   timeout=60, interval=0.5, message="the Firehose object under the hostile prefix")
    finally:
        firehose.delete_delivery_stream(DeliveryStreamName=stream)

    index = urllib.parse.quote(f"../../{token}-idx", safe="")
    request = urllib.request.Request(f"{settings.opensearch_url}/{index}/_doc", data=b"{\"a\": 1}", method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        urllib.request.urlopen(request, timeout=10).read()
    except urllib.error.HTTPError as exc:
        assert exc.code in (400, 404)  # an invalid index name, as OpenSearch answers
    assert not _escaped(token, settings.state_dir)
