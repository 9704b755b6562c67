"""Event source mappings answered as AWS does: 202 on create, AWS's defaults and fields per source kind."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from sandbox.waiting import wait_until


def test_a_stream_mapping_is_accepted_with_aws_defaults(localcloud, fake, aws):
    function = aws.function()
    _, stream_arn = aws.stream()
    created = aws.mapping(function, stream_arn, StartingPosition="LATEST")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert created["StateTransitionReason"] == "User action" and created["State"] == "Creating"
    assert {k: created[k] for k in (
        "BisectBatchOnFunctionError", "DestinationConfig", "FunctionResponseTypes", "MaximumBatchingWindowInSeconds",
        "MaximumRecordAgeInSeconds", "MaximumRetryAttempts", "ParallelizationFactor", "TumblingWindowInSeconds",
        "BatchSize", "StartingPosition", "LastProcessingResult")} == {
        "BisectBatchOnFunctionError": False, "DestinationConfig": {"OnFailure": {}}, "FunctionResponseTypes": [],
        "MaximumBatchingWindowInSeconds": 0, "MaximumRecordAgeInSeconds": -1, "MaximumRetryAttempts": -1,
        "ParallelizationFactor": 1, "TumblingWindowInSeconds": 0, "BatchSize": 100, "StartingPosition": "LATEST",
        "LastProcessingResult": "No records processed"}
    assert "Tags" not in created


def test_a_queue_mapping_has_no_stream_fields_and_echoes_what_was_set(localcloud, fake, aws):
    function = aws.function()
    _, queue_arn = aws.queue()
    created = aws.mapping(function, queue_arn, FunctionResponseTypes=["ReportBatchItemFailures"])
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
    got = aws.lam.get_event_source_mapping(UUID=created["UUID"])
    for answer in (created, got):
        assert answer["StateTransitionReason"] == "USER_INITIATED"
        assert answer["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert answer["MaximumBatchingWindowInSeconds"] == 0 and answer["BatchSize"] == 10
        assert not {"LastProcessingResult", "StartingPosition", "MaximumRetryAttempts", "DestinationConfig",
                    "BisectBatchOnFunctionError", "ParallelizationFactor", "Tags"} & set(answer)


def test_create_and_update_are_validated_as_aws_does(localcloud, fake, aws):
    function = aws.function()
    _, stream_arn = aws.stream()
    first = aws.mapping(function, stream_arn)
    with pytest.raises(ClientError) as conflict:
        aws.mapping(function, stream_arn)
    error = conflict.value.response
    assert error["Error"]["Code"] == "ResourceConflictException" and error["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert first["UUID"] in error["Error"]["Message"] and error["Type"] == "User"

    missing = stream_arn + "-gone"
    with pytest.raises(ClientError) as gone:
        aws.mapping(function, missing)
    assert gone.value.response["Error"] == {"Code": "InvalidParameterValueException", "Message": f"Stream not found: {missing}"}

    _, queue_arn = aws.queue()
    with pytest.raises(ClientError) as window:
        aws.mapping(function, queue_arn, BatchSize=50)
    assert "Maximum batch window in seconds must be greater than 0" in window.value.response["Error"]["Message"]
    queue_mapping = aws.mapping(function, queue_arn, BatchSize=50, MaximumBatchingWindowInSeconds=1)
    with pytest.raises(ClientError):
        aws.lam.update_event_source_mapping(UUID=queue_mapping["UUID"], MaximumBatchingWindowInSeconds=0)
    with pytest.raises(ClientError) as queue_conflict:
        aws.mapping(function, queue_arn, BatchSize=5)
    assert queue_conflict.value.response["Error"]["Message"].startswith("An event source mapping with SQS arn")


@pytest.mark.parametrize("pattern", ["null", '"simple string"', '{"eventSource": "aws:sqs"}', '{"eventSource": []}',
                                     '{"eventName": ["INSERT"=123}'])
def test_invalid_filter_patterns_are_rejected(localcloud, fake, aws, pattern):
    function = aws.function()
    _, queue_arn = aws.queue()
    with pytest.raises(ClientError) as invalid:
        aws.mapping(function, queue_arn, FilterCriteria={"Filters": [{"Pattern": pattern}]})
    assert invalid.value.response["Error"] == {"Code": "InvalidParameterValueException",
                                               "Message": "Invalid filter pattern definition."}


def test_a_failure_record_after_a_partial_batch_response_has_a_null_function_error():
    import json

    from sandbox.localcloud.esm.failure_record import failure_record
    from sandbox.localcloud.esm.model import FailureCondition
    from sandbox.localcloud.esm.records import SourceRecord
    from sandbox.localcloud.runtime import InvocationResult

    record = SourceRecord(1, "49" + "0" * 54, 1.0, 1, {})
    succeeded = InvocationResult(200, b'{"batchItemFailures": [{"itemIdentifier": "1"}]}', request_id="r")
    document = failure_record(function_arn="arn:aws:lambda:us-east-1:000000000000:function:f",
                              condition=FailureCondition.RETRIES_EXHAUSTED, invoke_count=3, result=succeeded,
                              batch_info_key="KinesisBatchInfo", shard_id="shardId-000000000000",
                              stream_arn="arn:aws:kinesis:us-east-1:000000000000:stream/s", records=[record])
    assert document["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": None}
    assert '"functionError": null' in json.dumps(document)


def test_an_update_answers_the_transition_and_get_the_state_reached(localcloud, fake, aws):
    function = aws.function()
    _, queue_arn = aws.queue()
    mapping = aws.mapping(function, queue_arn)["UUID"]
    wait_until(lambda: aws.state(mapping) == "Enabled", timeout=5, message="the mapping enabled")
    assert aws.lam.update_event_source_mapping(UUID=mapping, BatchSize=5)["State"] == "Updating"
    assert aws.lam.update_event_source_mapping(UUID=mapping, Enabled=False)["State"] == "Disabling"
    assert aws.lam.update_event_source_mapping(UUID=mapping, Enabled=True)["State"] == "Enabling"
    assert aws.lam.get_event_source_mapping(UUID=mapping)["State"] in {"Enabling", "Enabled"}


def test_dynamodb_failure_records_give_arrival_times_to_the_second():
    from sandbox.localcloud.esm.failure_record import failure_record
    from sandbox.localcloud.esm.model import FailureCondition
    from sandbox.localcloud.esm.records import SourceRecord

    record = SourceRecord(1, "100", 1657720081.25, 1, {})
    common = dict(function_arn="f", condition=FailureCondition.RETRIES_EXHAUSTED, invoke_count=1, result=None,
                  shard_id="s", stream_arn="a", records=[record])
    ddb = failure_record(batch_info_key="DDBStreamBatchInfo", **common)["DDBStreamBatchInfo"]
    kinesis = failure_record(batch_info_key="KinesisBatchInfo", **common)["KinesisBatchInfo"]
    assert ddb["approximateArrivalOfFirstRecord"] == "2022-07-13T13:48:01Z"
    assert kinesis["approximateArrivalOfFirstRecord"] == "2022-07-13T13:48:01.250Z"
