"""Event source mappings as the Lambda API answers them: AWS's fields and defaults per source kind.

moto answers only the fields a request set (plus `Tags: {}` and `LastProcessingResult`), and 201 on
create. AWS answers 202 on CreateEventSourceMapping, fills its defaults, and reports a different set
of fields for queues than for streams (a queue mapping has no StartingPosition, retry, record age,
bisect or LastProcessingResult; its StateTransitionReason is `USER_INITIATED`, a stream's
`User action`). https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html
https://docs.aws.amazon.com/lambda/latest/api/API_EventSourceMappingConfiguration.html
"""

from __future__ import annotations

from typing import Any

from sandbox.localcloud.esm.model import SourceKind

STREAM_DEFAULTS: dict[str, Any] = {
    "BisectBatchOnFunctionError": False,
    "DestinationConfig": {"OnFailure": {}},
    "FunctionResponseTypes": [],
    "MaximumBatchingWindowInSeconds": 0,
    "MaximumRecordAgeInSeconds": -1,
    "MaximumRetryAttempts": -1,
    "ParallelizationFactor": 1,
    "TumblingWindowInSeconds": 0,
}
QUEUE_DEFAULTS: dict[str, Any] = {"FunctionResponseTypes": [], "MaximumBatchingWindowInSeconds": 0}
QUEUE_ONLY_STREAM_FIELDS = (
    "StartingPosition", "StartingPositionTimestamp", "LastProcessingResult", "BisectBatchOnFunctionError",
    "MaximumRecordAgeInSeconds", "MaximumRetryAttempts", "ParallelizationFactor", "TumblingWindowInSeconds",
    "DestinationConfig",
)
REASON = {SourceKind.SQS: "USER_INITIATED", SourceKind.KINESIS: "User action", SourceKind.DYNAMODB: "User action"}


def shape(config: dict[str, Any]) -> dict[str, Any]:
    """`config` (moto's answer with localcloud's State) in AWS's form for its source kind."""
    try:
        kind = SourceKind.of_arn(config.get("EventSourceArn", ""))
    except ValueError:
        return config
    config.pop("Tags", None)  # AWS answers tags only through ListTags
    defaults = QUEUE_DEFAULTS if kind is SourceKind.SQS else STREAM_DEFAULTS
    shaped = {**defaults, **{k: v for k, v in config.items() if v is not None}}
    if kind is SourceKind.SQS:
        for field in QUEUE_ONLY_STREAM_FIELDS:
            shaped.pop(field, None)
    elif "OnFailure" not in shaped.get("DestinationConfig", {}):
        shaped["DestinationConfig"] = {"OnFailure": {}, **shaped["DestinationConfig"]}
    shaped["StateTransitionReason"] = REASON[kind]
    return shaped
