"""Lambda API answers localcloud forms beyond moto's, through boto3: account settings, layers, aliases,
invoke validation (sandbox/localcloud/awslambda/)."""

from __future__ import annotations

import io
import json
import re
from concurrent.futures import ThreadPoolExecutor
import zipfile

import pytest
from botocore.exceptions import ClientError

from sandbox.aws import client
from sandbox.waiting import wait_until
from tests.localcloud.test_lambda_executor import _function, _zip


def _layer_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("python/helper.py", "X = 1\n")
    return buf.getvalue()


def test_account_settings_count_functions_versions_layers_and_reserved_concurrency(localcloud):
    lam = client("lambda", localcloud.settings)
    before = lam.get_account_settings()
    assert before["AccountLimit"] == {
        "TotalCodeSize": 80530636800,
        "CodeSizeUnzipped": 262144000,
        "CodeSizeZipped": 52428800,
        "ConcurrentExecutions": 1000,
        "UnreservedConcurrentExecutions": 1000,
    }
    assert before["AccountUsage"] == {"TotalCodeSize": 0, "FunctionCount": 0}

    name = _function(localcloud.settings)
    code_size = len(_zip())
    created = lam.get_account_settings()["AccountUsage"]
    assert created == {"TotalCodeSize": code_size, "FunctionCount": 1}

    lam.publish_version(FunctionName=name)  # a published version's code counts again
    lam.publish_layer_version(LayerName="lc-test-layer", Content={"ZipFile": _layer_zip()})
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=7)
    after = lam.get_account_settings()
    assert after["AccountUsage"] == {"TotalCodeSize": 2 * code_size + len(_layer_zip()), "FunctionCount": 1}
    assert after["AccountLimit"]["UnreservedConcurrentExecutions"] == 993


def test_layer_version_by_arn_answers_as_get_layer_version(localcloud):
    lam = client("lambda", localcloud.settings)
    published = lam.publish_layer_version(LayerName="lc-test-layer", Content={"ZipFile": _layer_zip()})
    by_arn = lam.get_layer_version_by_arn(Arn=published["LayerVersionArn"])
    assert by_arn["LayerVersionArn"] == published["LayerVersionArn"]
    assert by_arn["Version"] == 1
    assert by_arn["Content"]["CodeSize"] == len(_layer_zip())
    with pytest.raises(ClientError) as missing:
        lam.get_layer_version_by_arn(Arn=published["LayerVersionArn"][:-1] + "9")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_aliases_are_listed_by_function_arn(localcloud):
    lam = client("lambda", localcloud.settings)
    name = _function(localcloud.settings)
    arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    lam.create_alias(FunctionName=arn, FunctionVersion="$LATEST", Name="live", Description="first")
    aliases = lam.list_aliases(FunctionName=arn)["Aliases"]
    assert [(alias["Name"], alias["Description"]) for alias in aliases] == [("live", "first")]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"n\x87r\x9e", "Invalid UTF-8 start byte 0x87\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` "
                        "disabled); line: 1, column: 3]"),
        (b"\x99\xeb,j", "Unexpected character ((CTRL-CHAR, code 153)): expected a valid value (JSON String, Number, Array, "
                        "Object or token 'null', 'true' or 'false')\n at [Source: REDACTED "
                        "(`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 1]"),
    ],
)
def test_invoke_with_a_payload_that_is_not_utf8_is_a_400_with_awss_message(localcloud, payload, message):
    lam = client("lambda", localcloud.settings)
    name = _function(localcloud.settings)
    with pytest.raises(lam.exceptions.InvalidRequestContentException) as error:
        lam.invoke(FunctionName=name, Payload=payload)
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error.value.response["Error"]["Message"] == f"Could not parse request body into json: Could not parse payload into json: {message}"


def test_invoke_answers_the_invocations_request_id(localcloud):
    lam = client("lambda", localcloud.settings)
    name = _function(localcloud.settings)
    response = lam.invoke(FunctionName=name, Payload=b"{}")
    request_id = response["ResponseMetadata"]["RequestId"]
    assert json.loads(response["Payload"].read())["context"]["aws_request_id"] == request_id
    assert re.fullmatch(r"[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}", request_id)
    queued = lam.invoke(FunctionName=name, Payload=b"{}", InvocationType="Event")
    assert re.fullmatch(r"[a-f0-9-]{36}", queued["ResponseMetadata"]["RequestId"])
    listed = lam.list_functions()
    assert re.fullmatch(r"[a-f0-9-]{36}", listed["ResponseMetadata"]["RequestId"])


def test_response_up_to_awss_limit_is_returned_and_above_it_is_an_error(localcloud):
    lam = client("lambda", localcloud.settings)
    name = _function(localcloud.settings)
    event = {"action": "big", "bytes": 6 * 1024 * 1024}  # a JSON string of 6 MB + 2 quotes: within 6,291,556 bytes
    response = lam.invoke(FunctionName=name, Payload=json.dumps(event).encode())
    assert "FunctionError" not in response
    assert len(json.loads(response["Payload"].read())) == 6 * 1024 * 1024
    event["bytes"] += 100
    too_large = lam.invoke(FunctionName=name, Payload=json.dumps(event).encode())
    assert too_large["FunctionError"] == "Unhandled"
    assert json.loads(too_large["Payload"].read())["errorType"] == "Function.ResponseSizeTooLarge"


def test_zero_reserved_concurrency_throttles_and_sends_events_to_the_on_failure_destination(localcloud):
    lam, sqs = client("lambda", localcloud.settings), client("sqs", localcloud.settings)
    name = _function(localcloud.settings)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(lam.exceptions.TooManyRequestsException) as throttled:
        lam.invoke(FunctionName=name, Payload=b"{}")
    assert throttled.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert throttled.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert throttled.value.response["Error"]["Message"] == "Rate Exceeded."

    queue = sqs.create_queue(QueueName="lc-test-throttled")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0,
                                         DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    lam.invoke(FunctionName=name, Payload=b'{"n": 1}', InvocationType="Event")
    messages = wait_until(lambda: sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages"), timeout=10)
    record = json.loads(messages[0]["Body"])
    assert record["requestContext"]["condition"] == "ZeroReservedConcurrency"
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert record["requestPayload"] == {"n": 1}
    assert "responseContext" not in record


def test_provisioned_concurrency_config_becomes_ready_and_its_version_runs_provisioned(localcloud):
    lam = client("lambda", localcloud.settings)
    name = _function(localcloud.settings)
    version = lam.publish_version(FunctionName=name)["Version"]
    put = lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier=version, ProvisionedConcurrentExecutions=2)
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (put["Status"], put["AllocatedProvisionedConcurrentExecutions"]) == ("IN_PROGRESS", 0)
    ready = wait_until(lambda: lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier=version)["Status"] == "READY")
    assert ready
    listed = lam.list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"]
    assert [(c["FunctionArn"].rsplit(":", 1)[-1], c["AvailableProvisionedConcurrentExecutions"]) for c in listed] == [(version, 2)]

    def initialization_type(qualifier: str) -> str:
        payload = json.loads(lam.invoke(FunctionName=name, Qualifier=qualifier, Payload=b"{}")["Payload"].read())
        return payload["env"]["AWS_LAMBDA_INITIALIZATION_TYPE"]

    assert initialization_type(version) == "provisioned-concurrency"
    assert initialization_type("$LATEST") == "on-demand"

    deleted = lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier=version)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(lam.exceptions.ProvisionedConcurrencyConfigNotFoundException) as missing:
        lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier=version)
    assert missing.value.response["Error"]["Message"] == "No Provisioned Concurrency Config found for this function"
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="$LATEST", ProvisionedConcurrentExecutions=1)


def test_alias_routing_config_sends_invocations_to_both_versions(localcloud):
    lam = client("lambda", localcloud.settings)
    name = _function(localcloud.settings)
    first = lam.publish_version(FunctionName=name)["Version"]
    lam.update_function_configuration(FunctionName=name, Description="second")
    second = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(FunctionName=name, Name="canary", FunctionVersion=first,
                     RoutingConfig={"AdditionalVersionWeights": {second: 0.5}})
    executed = {lam.invoke(FunctionName=name, Qualifier="canary", Payload=b"{}")["ExecutedVersion"] for _ in range(30)}
    assert executed == {first, second}  # each draw misses one version with probability 1/2: 2^-29 for 30


def test_function_url_config_with_an_unknown_invoke_mode_is_rejected(localcloud):
    lam = client("lambda", localcloud.settings)
    name = _function(localcloud.settings)
    with pytest.raises(ClientError) as error:
        lam.create_function_url_config(FunctionName=name, AuthType="NONE", InvokeMode="UNKNOWN")
    assert error.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "1 validation error detected: Value 'UNKNOWN' at 'invokeMode' failed to satisfy constraint: "
                   "Member must satisfy enum value set: [RESPONSE_STREAM, BUFFERED]",
    }
    assert lam.create_function_url_config(FunctionName=name, AuthType="NONE", InvokeMode="BUFFERED")["InvokeMode"] == "BUFFERED"
    assert lam.get_function_url_config(FunctionName=name)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_each_environment_gets_its_own_credentials_of_the_execution_role(localcloud):
    lam = client("lambda", localcloud.settings)
    name = _function(localcloud.settings)
    role = lam.get_function(FunctionName=name)["Configuration"]["Role"]
    whoami = json.loads(lam.invoke(FunctionName=name, Payload=b'{"action": "whoami"}')["Payload"].read())
    account = role.split(":")[4]
    assert whoami == f"arn:aws:sts::{account}:assumed-role/{role.rsplit('/', 1)[-1]}/{name}"

    def keys() -> tuple[str, str]:
        env = json.loads(lam.invoke(FunctionName=name, Payload=json.dumps({"action": "sleep", "seconds": 1}).encode())["Payload"].read())["env"]
        return env["AWS_LAMBDA_LOG_STREAM_NAME"], env["AWS_ACCESS_KEY_ID"]

    with ThreadPoolExecutor(2) as pool:  # two at once: two environments
        (stream_1, key_1), (stream_2, key_2) = pool.map(lambda _: keys(), range(2))
    assert stream_1 != stream_2 and key_1 != key_2


def test_a_one_character_function_name_gets_awss_session_name():
    from sandbox.localcloud.awslambda.credentials import session_name

    assert (session_name("f"), session_name("fn")) == ("f@lambda_function", "fn")


def test_invoke_by_qualified_name_and_missing_functions_as_aws_words_them(localcloud):
    lam = client("lambda", localcloud.settings)
    name = _function(localcloud.settings)
    lam.publish_version(FunctionName=name)
    alias = lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    assert lam.get_alias(FunctionName=name, Name="live")["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert lam.update_alias(FunctionName=name, Name="live", Description="d")["ResponseMetadata"]["HTTPStatusCode"] == 200
    payload = json.loads(lam.invoke(FunctionName=alias["AliasArn"], Payload=b"{}")["Payload"].read())
    assert payload["context"]["invoked_function_arn"] == alias["AliasArn"]
    assert json.loads(lam.invoke(FunctionName=f"{name}:live", Payload=b"{}")["Payload"].read())["context"]["invoked_function_arn"] == alias["AliasArn"]

    arn = alias["AliasArn"].rsplit(":", 2)[0]
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as missing:
        lam.invoke(FunctionName="lc-test-no-such-function", Payload=b"{}")
    assert missing.value.response["Error"]["Message"] == f"Function not found: {arn}:lc-test-no-such-function:$LATEST"
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as no_alias:
        lam.invoke(FunctionName=f"{arn}:{name}:nope", Payload=b"{}")
    assert no_alias.value.response["Error"]["Message"] == f"Function not found: {arn}:{name}:nope"
