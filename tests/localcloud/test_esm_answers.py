"""Event source mappings answered as AWS does: 202 on create, AWS's defaults and fields per source kind."""

from __future__ import annotations


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
