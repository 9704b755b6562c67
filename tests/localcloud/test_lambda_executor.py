"""The Lambda executor through boto3: results, environment, errors, timeouts, warm reuse, logs,
invocation types and the internal invoker (sandbox/localcloud/awslambda/)."""

from __future__ import annotations

import base64
import io
import json
import threading
import time
import uuid
import zipfile
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sandbox.aws import client
from sandbox.waiting import wait_until

HANDLER = '''
import json, os, time, logging
import boto3

logger = logging.getLogger()
logger.setLevel(logging.INFO)
print("cold start of", os.environ["AWS_LAMBDA_FUNCTION_NAME"])


def handler(event, context):
    action = event.get("action")
    print("event", json.dumps(event))
    logger.info("request %s", context.aws_request_id)
    if action == "raise":
        raise ValueError("the order has no CustomerID")
    if action == "sleep":
        time.sleep(event["seconds"])
    if action == "whoami":
        return boto3.client("sts").get_caller_identity()["Arn"]
    if action == "big":
        return "a" * event["bytes"]
    if action == "exit":
        os._exit(3)
    if action == "put":
        s3 = boto3.client("s3")
        s3.put_object(Bucket=event["bucket"], Key=event["key"], Body=context.aws_request_id.encode())
    if action == "fail-and-count":
        s3 = boto3.client("s3")
        s3.put_object(Bucket=event["bucket"], Key="attempt-" + context.aws_request_id + "-" + str(time.time()), Body=b"x")
        raise RuntimeError("always fails")
    names = ["AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
             "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
             "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "_HANDLER", "AWS_EXECUTION_ENV",
             "LAMBDA_TASK_ROOT", "AWS_LAMBDA_INITIALIZATION_TYPE", "GREETING"]
    return {
        "pid": os.getpid(),
        "version": VERSION,
        "echo": event,
        "env": {name: os.environ.get(name) for name in names},
        "cwd": os.getcwd(),
        "context": {
            "aws_request_id": context.aws_request_id,
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining": context.get_remaining_time_in_millis(),
        },
    }
'''


def _zip(version: str = "v1") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("probe/handler.py", f"VERSION = {version!r}\n" + HANDLER)
        archive.writestr("probe/__init__.py", "")
    return buf.getvalue()


def _role(settings) -> str:
    iam = client("iam", settings)
    try:
        return iam.create_role(RoleName="lc-test-lambda-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        return iam.get_role(RoleName="lc-test-lambda-role")["Role"]["Arn"]


def _function(settings, *, timeout: int = 3, env: dict[str, str] | None = None) -> str:
    name = f"lc-test-probe-{uuid.uuid4().hex[:8]}"
    client("lambda", settings).create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=_role(settings),
        Handler="probe/handler.handler",
        Code={"ZipFile": _zip()},
        Timeout=timeout,
        MemorySize=256,
        Environment={"Variables": env or {"GREETING": "hello"}},
    )
    return name


def _invoke(settings, name: str, event: dict[str, Any], **kwargs: Any) -> tuple[dict[str, Any], Any]:
    response = client("lambda", settings).invoke(FunctionName=name, Payload=json.dumps(event).encode(), **kwargs)
    return response, json.loads(response["Payload"].read() or b"null")


@pytest.fixture
def bucket(localcloud) -> str:
    name = f"lc-test-lambda-{uuid.uuid4().hex[:8]}"
    client("s3", localcloud.settings).create_bucket(Bucket=name)
    return name


def test_result_environment_context_and_boto3_inside_the_handler(localcloud, bucket):
    settings = localcloud.settings
    name = _function(settings)

    response, body = _invoke(settings, name, {"action": "put", "bucket": bucket, "key": "from-lambda"})

    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert response["ExecutedVersion"] == "$LATEST"
    assert body["echo"] == {"action": "put", "bucket": bucket, "key": "from-lambda"}
    env = body["env"]
    assert env["AWS_ENDPOINT_URL"] == settings.aws_endpoint
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == settings.region
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIA") and env["AWS_SESSION_TOKEN"]  # the execution role's, assumed
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == name
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == f"/aws/lambda/{name}"
    assert env["_HANDLER"] == "probe/handler.handler"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.11"
    assert env["GREETING"] == "hello"
    assert env["LAMBDA_TASK_ROOT"] == body["cwd"]
    assert str(settings.state_dir / "lambda") in env["LAMBDA_TASK_ROOT"]
    context = body["context"]
    assert context["function_name"] == name
    assert context["invoked_function_arn"].endswith(f":function:{name}")
    assert context["memory_limit_in_mb"] == "256"
    assert context["log_stream_name"] == env["AWS_LAMBDA_LOG_STREAM_NAME"]
    assert 0 < context["remaining"] <= 3000
    # the handler's own boto3 client reached localcloud through AWS_ENDPOINT_URL
    stored = client("s3", settings).get_object(Bucket=bucket, Key="from-lambda")["Body"].read()
    assert stored.decode() == context["aws_request_id"]


def test_handler_exception_is_an_unhandled_function_error(localcloud):
    settings = localcloud.settings
    name = _function(settings)

    response, body = _invoke(settings, name, {"action": "raise"})

    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "ValueError"
    assert body["errorMessage"] == "the order has no CustomerID"
    assert isinstance(body["stackTrace"], list) and body["stackTrace"]
    assert "handler.py" in body["stackTrace"][-1] and "in handler" in body["stackTrace"][-1]
    assert all("lambda_worker" not in line for line in body["stackTrace"])
    assert all(line.startswith('  File "/var/task/') for line in body["stackTrace"])  # as AWS shows the task root


def test_timeout_kills_the_worker_and_the_next_invoke_gets_a_fresh_one(localcloud):
    settings = localcloud.settings
    name = _function(settings, timeout=1)
    _, warm = _invoke(settings, name, {})

    started = time.monotonic()
    response, body = _invoke(settings, name, {"action": "sleep", "seconds": 30})

    assert time.monotonic() - started < 10
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Sandbox.Timedout"
    assert body["errorMessage"].endswith("Task timed out after 1.00 seconds")
    _, after = _invoke(settings, name, {})
    assert after["pid"] != warm["pid"]


def test_worker_exit_is_a_runtime_exit_error_and_is_replaced(localcloud):
    settings = localcloud.settings
    name = _function(settings)
    _, warm = _invoke(settings, name, {})

    response, body = _invoke(settings, name, {"action": "exit"})

    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ExitError"
    assert "exit status 3" in body["errorMessage"]
    _, after = _invoke(settings, name, {})
    assert after["pid"] != warm["pid"]


def test_warm_worker_reused_until_code_or_configuration_changes(localcloud):
    settings = localcloud.settings
    lam = client("lambda", settings)
    name = _function(settings)

    _, first = _invoke(settings, name, {})
    _, second = _invoke(settings, name, {})
    assert first["pid"] == second["pid"]

    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"GREETING": "bonjour"}})
    _, configured = _invoke(settings, name, {})
    assert configured["pid"] != second["pid"]
    assert configured["env"]["GREETING"] == "bonjour"

    lam.update_function_code(FunctionName=name, ZipFile=_zip("v2"))
    _, updated = _invoke(settings, name, {})
    assert updated["pid"] != configured["pid"]
    assert updated["version"] == "v2"
    _, again = _invoke(settings, name, {})
    assert again["pid"] == updated["pid"]

    row = next(r for r in localcloud.runtime.extensions["lambda"].describe() if r["function"] == name)
    assert row["invocations"] == 5 and row["cold_starts"] == 3 and row["warm_workers"] == 1


def test_concurrent_invocations_run_in_parallel_workers(localcloud):
    settings = localcloud.settings
    name = _function(settings)
    _invoke(settings, name, {})
    pids: list[int] = []

    def call() -> None:
        pids.append(_invoke(settings, name, {"action": "sleep", "seconds": 1.0})[1]["pid"])

    threads = [threading.Thread(target=call) for _ in range(3)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(set(pids)) == 3
    assert time.monotonic() - started < 2.8  # three 1-second calls, not serialised


def test_logs_go_to_cloudwatch_and_tail_is_returned(localcloud):
    settings = localcloud.settings
    name = _function(settings)

    response, body = _invoke(settings, name, {"marker": "tail-me"}, LogType="Tail")

    tail = base64.b64decode(response["LogResult"]).decode()
    request_id = body["context"]["aws_request_id"]
    assert tail.startswith(f"START RequestId: {request_id} Version: $LATEST")  # not INIT_START: AWS tails the invoke phase
    assert 'event {"marker": "tail-me"}' in tail
    assert f"[INFO]\t" in tail and f"\t{request_id}\trequest {request_id}" in tail
    assert f"END RequestId: {request_id}" in tail
    assert f"REPORT RequestId: {request_id}\tDuration: " in tail and "Init Duration: " in tail
    assert "LogResult" not in client("lambda", settings).invoke(FunctionName=name, Payload=b"{}")

    logs = client("logs", settings)

    def messages() -> list[str]:
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        return [e["message"] for e in events]

    found = wait_until(
        lambda: (m := messages()) and any("REPORT RequestId: " + request_id in line for line in m) and m,
        timeout=10,
        message=f"the REPORT line in /aws/lambda/{name}",
    )
    assert f"cold start of {name}" in found
    assert 'event {"marker": "tail-me"}' in found
    streams = logs.describe_log_streams(logGroupName=f"/aws/lambda/{name}")["logStreams"]
    assert [s["logStreamName"] for s in streams] == [body["context"]["log_stream_name"]]
    assert "[$LATEST]" in streams[0]["logStreamName"]


def test_event_is_queued_and_dry_run_does_not_run(localcloud, bucket):
    settings = localcloud.settings
    s3 = client("s3", settings)
    name = _function(settings)

    dry, _ = _invoke(settings, name, {"action": "put", "bucket": bucket, "key": "dry"}, InvocationType="DryRun")
    event, body = _invoke(settings, name, {"action": "put", "bucket": bucket, "key": "event"}, InvocationType="Event")

    assert dry["StatusCode"] == 204
    assert event["StatusCode"] == 202 and body is None
    wait_until(lambda: s3.list_objects_v2(Bucket=bucket).get("KeyCount"), timeout=15, message="the Event invocation's object")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["event"]


def test_event_retries_then_reaches_the_on_failure_destination(localcloud, bucket):
    settings = localcloud.settings
    lam, s3, sqs = client("lambda", settings), client("s3", settings), client("sqs", settings)
    name = _function(settings)
    queue_url = sqs.create_queue(QueueName=f"lc-test-dlq-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    lam.put_function_event_invoke_config(
        FunctionName=name,
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )

    _invoke(settings, name, {"action": "fail-and-count", "bucket": bucket}, InvocationType="Event")

    messages = wait_until(
        lambda: sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages"),
        timeout=20,
        message="the OnFailure record in SQS",
    )
    record = json.loads(messages[0]["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "always fails"
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 2  # first attempt + one retry


def test_internal_invoker_runs_the_handler_without_http(localcloud):
    settings = localcloud.settings
    name = _function(settings)

    ok = localcloud.runtime.invoke(name, b'{"via": "runtime"}')
    failed = localcloud.runtime.invoke(name, b'{"action": "raise"}')
    queued = localcloud.runtime.invoke(name, b"{}", invocation_type="Event")

    assert ok.status_code == 200 and ok.ok
    assert json.loads(ok.payload)["echo"] == {"via": "runtime"}
    assert "START RequestId: " + ok.request_id in base64.b64decode(ok.log_tail).decode()
    assert failed.function_error == "Unhandled" and json.loads(failed.payload)["errorType"] == "ValueError"
    assert queued.status_code == 202


def test_qualifier_runs_the_published_version(localcloud):
    settings = localcloud.settings
    lam = client("lambda", settings)
    name = _function(settings)
    version = lam.publish_version(FunctionName=name)["Version"]
    lam.update_function_code(FunctionName=name, ZipFile=_zip("v2"))

    published, body = _invoke(settings, name, {}, Qualifier=version)
    latest, latest_body = _invoke(settings, name, {})

    assert published["ExecutedVersion"] == version and body["version"] == "v1"
    assert body["context"]["invoked_function_arn"].endswith(f":function:{name}:{version}")
    assert body["env"]["AWS_LAMBDA_FUNCTION_VERSION"] == version
    assert latest["ExecutedVersion"] == "$LATEST" and latest_body["version"] == "v2"


def test_import_error_is_reported_as_runtime_import_module_error(localcloud):
    settings = localcloud.settings
    name = f"lc-test-broken-{uuid.uuid4().hex[:8]}"
    client("lambda", settings).create_function(
        FunctionName=name, Runtime="python3.11", Role=_role(settings), Handler="missing_module.handler",
        Code={"ZipFile": _zip()},
    )

    response, body = _invoke(settings, name, {})

    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert body["errorMessage"] == "Unable to import module 'missing_module': No module named 'missing_module'"


def test_a_failed_event_goes_as_is_to_the_functions_dead_letter_queue(localcloud, bucket):
    settings = localcloud.settings
    lam, sqs = client("lambda", settings), client("sqs", settings)
    name = _function(settings)
    queue_url = sqs.create_queue(QueueName=f"lc-test-dlq-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    lam.update_function_configuration(FunctionName=name, DeadLetterConfig={"TargetArn": queue_arn})
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    event = {"action": "fail-and-count", "bucket": bucket}

    _invoke(settings, name, event, InvocationType="Event")

    [message] = wait_until(
        lambda: sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1, MessageAttributeNames=["All"]).get("Messages"),
        timeout=20, message="the event in the dead-letter queue")
    assert json.loads(message["Body"]) == event
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["ErrorMessage"] == "always fails" and attributes["ErrorCode"] == "200" and attributes["RequestID"]


@pytest.mark.parametrize("name", ["../../x", "/tmp/x", "a/b", "..", "x" * 65])
def test_create_function_rejects_names_aws_rejects(localcloud, name):
    """moto accepts any FunctionName; AWS answers ValidationException (and the name never names a file)."""
    settings = localcloud.settings
    with pytest.raises(ClientError) as raised:
        client("lambda", settings).create_function(
            FunctionName=name, Runtime="python3.11", Role=_role(settings), Handler="probe/handler.handler",
            Code={"ZipFile": _zip()})
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert "functionName" in raised.value.response["Error"]["Message"]
