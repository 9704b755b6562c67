"""DynamoDB beyond moto (sandbox/localcloud/dynamodb/): PartiQL, Kinesis destinations, small answers."""

from __future__ import annotations

import json

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from sandbox.aws import client


def _table(ddb, name: str, **extra) -> None:
    ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST", **extra)


def test_partiql_update_with_number_literals(localcloud):
    ddb = client("dynamodb", localcloud.settings)
    _table(ddb, "zz-partiql")
    ddb.put_item(TableName="zz-partiql", Item={"id": {"S": "a"}})
    answer = ddb.batch_execute_statement(Statements=[
        {"Statement": "INSERT INTO \"zz-partiql\" VALUE {'id': 'b'}"},
        {"Statement": "UPDATE \"zz-partiql\" SET age=20 WHERE id='a'"}])
    assert [r.get("TableName") for r in answer["Responses"]] == ["zz-partiql", "zz-partiql"]
    ddb.execute_statement(Statement="UPDATE \"zz-partiql\" SET score=?, ratio = 1.5 WHERE id=?",
                          Parameters=[{"N": "7"}, {"S": "b"}])
    assert ddb.get_item(TableName="zz-partiql", Key={"id": {"S": "a"}})["Item"]["age"] == {"N": "20"}
    item = ddb.get_item(TableName="zz-partiql", Key={"id": {"S": "b"}})["Item"]
    assert item["score"] == {"N": "7"} and item["ratio"] == {"N": "1.5"}


def test_execute_statement_with_empty_parameters_is_rejected(localcloud):
    ddb = client("dynamodb", localcloud.settings, config=Config(parameter_validation=False))
    _table(ddb, "zz-partiql-empty")
    with pytest.raises(ClientError) as raised:
        ddb.execute_statement(Statement='SELECT * FROM "zz-partiql-empty"', Parameters=[])
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert "at 'parameters'" in raised.value.response["Error"]["Message"]


def test_describe_contributor_insights_is_disabled(localcloud):
    ddb = client("dynamodb", localcloud.settings)
    _table(ddb, "zz-insights")
    answer = ddb.describe_contributor_insights(TableName="zz-insights")
    assert answer["ContributorInsightsStatus"] == "DISABLED" and answer["TableName"] == "zz-insights"
    with pytest.raises(ClientError) as raised:
        ddb.describe_contributor_insights(TableName="zz-nowhere")
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_streams_describe_stream_after_exclusive_start_shard(localcloud):
    ddb, streams = client("dynamodb", localcloud.settings), client("dynamodbstreams", localcloud.settings)
    _table(ddb, "zz-streams-page", StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    arn = ddb.describe_table(TableName="zz-streams-page")["Table"]["LatestStreamArn"]
    shard_id = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    after = streams.describe_stream(StreamArn=arn, ExclusiveStartShardId=shard_id)["StreamDescription"]["Shards"]
    assert all(shard["ShardId"] != shard_id for shard in after)


def test_kinesis_streaming_destination_lifecycle_and_delivery(localcloud):
    ddb, kinesis = client("dynamodb", localcloud.settings), client("kinesis", localcloud.settings)
    _table(ddb, "zz-kds", StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    kinesis.create_stream(StreamName="zz-kds-stream", ShardCount=1)
    arn = kinesis.describe_stream_summary(StreamName="zz-kds-stream")["StreamDescriptionSummary"]["StreamARN"]
    with pytest.raises(ClientError) as raised:
        ddb.enable_kinesis_streaming_destination(TableName="zz-nowhere", StreamArn=arn)
    assert raised.value.response["Error"]["Message"] == "Requested resource not found: Table: zz-nowhere not found"
    assert ddb.enable_kinesis_streaming_destination(TableName="zz-kds", StreamArn=arn)["DestinationStatus"] == "ENABLING"
    described = ddb.describe_kinesis_streaming_destination(TableName="zz-kds")["KinesisDataStreamDestinations"]
    assert described == [{"StreamArn": arn, "DestinationStatus": "ACTIVE"}]

    shard_id = kinesis.list_shards(StreamName="zz-kds-stream")["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(StreamName="zz-kds-stream", ShardId=shard_id,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    ddb.put_item(TableName="zz-kds", Item={"id": {"S": "a"}, "n": {"N": "1"}})
    ddb.update_item(TableName="zz-kds", Key={"id": {"S": "a"}}, UpdateExpression="SET n = :n",
                    ExpressionAttributeValues={":n": {"N": "2"}})
    ddb.delete_item(TableName="zz-kds", Key={"id": {"S": "a"}})
    records = [json.loads(r["Data"]) for r in kinesis.get_records(ShardIterator=iterator)["Records"]]
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    assert records[1]["dynamodb"]["NewImage"]["n"] == {"N": "2"} and records[1]["dynamodb"]["OldImage"]["n"] == {"N": "1"}
    assert records[0]["tableName"] == "zz-kds" and records[0]["recordFormat"] == "application/json"
    assert records[0]["dynamodb"]["Keys"] == {"id": {"S": "a"}}
    assert records[0]["dynamodb"]["ApproximateCreationDateTimePrecision"] == "MILLISECOND"

    with pytest.raises(ClientError) as raised:
        ddb.update_kinesis_streaming_destination(TableName="zz-kds", StreamArn=arn)
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    updated = ddb.update_kinesis_streaming_destination(
        TableName="zz-kds", StreamArn=arn,
        UpdateKinesisStreamingConfiguration={"ApproximateCreationDateTimePrecision": "MICROSECOND"})
    assert updated["DestinationStatus"] == "UPDATING"
    with pytest.raises(ClientError):  # not idempotent, as on AWS
        ddb.update_kinesis_streaming_destination(
            TableName="zz-kds", StreamArn=arn,
            UpdateKinesisStreamingConfiguration={"ApproximateCreationDateTimePrecision": "MICROSECOND"})
    assert ddb.disable_kinesis_streaming_destination(TableName="zz-kds", StreamArn=arn)["DestinationStatus"] == "DISABLING"
    ddb.put_item(TableName="zz-kds", Item={"id": {"S": "b"}})
    assert kinesis.get_records(ShardIterator=iterator)["Records"][3:] == []


def test_stream_records_skip_writes_that_change_nothing_and_carry_binary_to_kinesis(localcloud):
    ddb, streams = client("dynamodb", localcloud.settings), client("dynamodbstreams", localcloud.settings)
    kinesis = client("kinesis", localcloud.settings)
    _table(ddb, "zz-noop", StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    kinesis.create_stream(StreamName="zz-noop-stream", ShardCount=1)
    arn = kinesis.describe_stream_summary(StreamName="zz-noop-stream")["StreamDescriptionSummary"]["StreamARN"]
    ddb.enable_kinesis_streaming_destination(TableName="zz-noop", StreamArn=arn)
    item = {"id": {"S": "a"}, "data": {"B": b"\x90"}}
    ddb.put_item(TableName="zz-noop", Item=item)
    ddb.put_item(TableName="zz-noop", Item=item)  # the same item again: no record
    stream_arn = ddb.describe_table(TableName="zz-noop")["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    assert [(r["eventName"], r["eventVersion"]) for r in records] == [("INSERT", "1.1")]
    shard_id = kinesis.list_shards(StreamName="zz-noop-stream")["Shards"][0]["ShardId"]
    kinesis_iterator = kinesis.get_shard_iterator(StreamName="zz-noop-stream", ShardId=shard_id,
                                                  ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    delivered = [json.loads(r["Data"]) for r in kinesis.get_records(ShardIterator=kinesis_iterator)["Records"]]
    assert [d["dynamodb"]["NewImage"]["data"] for d in delivered] == [{"B": "kA=="}]


def test_errors_moto_words_differently_have_aws_wording(localcloud):
    ddb = client("dynamodb", localcloud.settings)
    with pytest.raises(ClientError) as raised:
        ddb.delete_table(TableName="zz-nowhere")
    assert raised.value.response["Error"]["Message"] == "Requested resource not found: Table: zz-nowhere not found"
    with pytest.raises(ClientError) as raised:
        _table(ddb, "zz-wording", ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    assert raised.value.response["Error"]["Message"].startswith("One or more parameter values were invalid: Neither")
    _table(ddb, "zz-wording")
    with pytest.raises(ClientError) as raised:
        ddb.batch_write_item(RequestItems={"zz-wording": [{"PutRequest": {"Item": {"other": {"S": "x"}}}}]})
    assert raised.value.response["Error"]["Message"] == "The provided key element does not match the schema"
    deleted = ddb.delete_table(TableName="zz-wording")["TableDescription"]
    assert "WarmThroughput" not in deleted and deleted["TableName"] == "zz-wording"


def test_sse_default_key_is_aws_managed_and_changes_report_updating(localcloud):
    ddb, kms = client("dynamodb", localcloud.settings), client("kms", localcloud.settings)
    created = ddb.create_table(TableName="zz-sse", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                               AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                               BillingMode="PAY_PER_REQUEST", SSESpecification={"Enabled": True, "SSEType": "KMS"},
                               WarmThroughput={"ReadUnitsPerSecond": 13000, "WriteUnitsPerSecond": 4100})
    description = created["TableDescription"]
    assert description["WarmThroughput"]["Status"] == "UPDATING"
    key = kms.describe_key(KeyId=description["SSEDescription"]["KMSMasterKeyArn"])["KeyMetadata"]
    assert key["KeyManager"] == "AWS" and key["Description"].startswith("Default key that protects my DynamoDB data")
    updated = ddb.update_table(TableName="zz-sse", SSESpecification={"Enabled": False})["TableDescription"]
    assert updated["SSEDescription"]["Status"] == "UPDATING"
