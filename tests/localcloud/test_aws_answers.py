"""localcloud answers in AWS's form (docs/FIDELITY.md): boto3 against the in-process LocalCloud."""

from __future__ import annotations

import zlib

from sandbox.aws import client


def test_kinesis_sequence_numbers_are_long_decimals_increasing_per_shard(localcloud):
    kinesis = client("kinesis", localcloud.settings)
    kinesis.create_stream(StreamName="zz-answers-seq", ShardCount=2)
    shards = kinesis.list_shards(StreamName="zz-answers-seq")["Shards"]
    starts = {s["ShardId"]: int(s["SequenceNumberRange"]["StartingSequenceNumber"]) for s in shards}
    assert all(len(str(start)) == 56 for start in starts.values()) and len(set(starts.values())) == 2
    put = [kinesis.put_record(StreamName="zz-answers-seq", Data=b"x", PartitionKey=f"k{i}") for i in range(8)]
    put += kinesis.put_records(StreamName="zz-answers-seq",
                               Records=[{"Data": b"y", "PartitionKey": f"k{i}"} for i in range(8)])["Records"]
    for shard_id, start in starts.items():
        numbers = [int(p["SequenceNumber"]) for p in put if p["ShardId"] == shard_id]
        assert numbers and numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
        assert all(len(str(n)) == 56 and n > start for n in numbers)
    first = put[0]
    iterator = kinesis.get_shard_iterator(StreamName="zz-answers-seq", ShardId=first["ShardId"],
                                          ShardIteratorType="AT_SEQUENCE_NUMBER",
                                          StartingSequenceNumber=first["SequenceNumber"])["ShardIterator"]
    records = kinesis.get_records(ShardIterator=iterator)["Records"]
    assert records[0]["SequenceNumber"] == first["SequenceNumber"] and records[0]["Data"] == b"x"
    after = kinesis.get_shard_iterator(StreamName="zz-answers-seq", ShardId=first["ShardId"],
                                       ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                                       StartingSequenceNumber=first["SequenceNumber"])["ShardIterator"]
    assert kinesis.get_records(ShardIterator=after)["Records"][0]["SequenceNumber"] != first["SequenceNumber"]


def test_lambda_function_configuration_in_aws_form(localcloud):
    from tests.localcloud.esm_helpers import Resources, handler_zip

    aws = Resources(localcloud.settings)
    lam = client("lambda", localcloud.settings)
    created = lam.create_function(
        FunctionName="zz-answers-fn", Runtime="python3.12", Role=aws.role(), Handler="esmprobe.handler",
        Code={"ZipFile": handler_zip("def handler(e, c):\n    return e\n")},
        DeadLetterConfig={"TargetArn": "arn:aws:sqs:us-east-1:000000000000:zz-dlq"},
    )
    assert (created["State"], created["StateReasonCode"]) == ("Pending", "Creating")
    assert "Layers" not in created and created["RevisionId"]
    assert created["DeadLetterConfig"] == {"TargetArn": "arn:aws:sqs:us-east-1:000000000000:zz-dlq"}
    got = lam.get_function(FunctionName="zz-answers-fn")["Configuration"]
    assert got["State"] == "Active" and "StateReasonCode" not in got
    assert got["RevisionId"] != created["RevisionId"]  # becoming Active is a new revision, as on AWS
    assert lam.get_function(FunctionName="zz-answers-fn")["Configuration"]["RevisionId"] == got["RevisionId"]
    assert got["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/aws/lambda/zz-answers-fn"}
    assert got["RuntimeVersionConfig"]["RuntimeVersionArn"].startswith("arn:aws:lambda:us-east-1::runtime:")
    updated = lam.update_function_configuration(FunctionName="zz-answers-fn", Timeout=9, Environment={"Variables": {}})
    assert updated["RevisionId"] != got["RevisionId"] and updated["Timeout"] == 9
    assert updated["Environment"] == {"Variables": {}}  # echoed, as AWS does
    assert (updated["LastUpdateStatus"], updated["LastUpdateStatusReasonCode"]) == ("InProgress", "Creating")
    done = lam.get_function_configuration(FunctionName="zz-answers-fn")  # the update done is a new revision, as on AWS
    assert done["LastUpdateStatus"] == "Successful" and "LastUpdateStatusReason" not in done
    assert done["RevisionId"] != updated["RevisionId"]
    assert lam.get_function_configuration(FunctionName="zz-answers-fn")["RevisionId"] == done["RevisionId"]
    published = lam.update_function_code(FunctionName="zz-answers-fn", ZipFile=handler_zip("def handler(e, c):\n    return 2\n"),
                                         Publish=True)
    assert (published["Version"], published["State"], published.get("LastUpdateStatus")) == ("1", "Pending", None)
    latest = lam.get_function_configuration(FunctionName="zz-answers-fn")
    version = lam.get_function_configuration(FunctionName="zz-answers-fn", Qualifier="1")
    assert version["State"] == "Active" and len({latest["RevisionId"], version["RevisionId"], published["RevisionId"]}) == 3


def test_lambda_errors_carry_aws_type_and_message(localcloud):
    import pytest
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as missing:
        client("lambda", localcloud.settings).get_function(FunctionName="zz-no-such-fn")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert missing.value.response["Type"] == "User" and missing.value.response["Message"]


def test_dynamodb_answers_only_the_capacity_asked_for_and_a_table_id(localcloud):
    ddb = client("dynamodb", localcloud.settings)
    checked: list[bool] = []

    def crc_matches(http_response, **_):  # the checksum SDKs verify must be the body's after reshaping
        if "x-amz-crc32" in http_response.headers:
            checked.append(int(http_response.headers["x-amz-crc32"]) == zlib.crc32(http_response.content) & 0xFFFFFFFF)

    ddb.meta.events.register("after-call.dynamodb.*", crc_matches)
    created = ddb.create_table(TableName="zz-answers-table", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                               AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                               BillingMode="PAY_PER_REQUEST")["TableDescription"]
    assert created["TableId"] and "GlobalSecondaryIndexes" not in created and "LocalSecondaryIndexes" not in created
    assert ddb.describe_table(TableName="zz-answers-table")["Table"]["TableId"] == created["TableId"]
    item = {"id": {"S": "a"}}
    write = ddb.batch_write_item(RequestItems={"zz-answers-table": [{"PutRequest": {"Item": item}}]})
    assert "ConsumedCapacity" not in write and "ItemCollectionMetrics" not in write and write["UnprocessedItems"] == {}
    updated = ddb.update_item(TableName="zz-answers-table", Key=item, UpdateExpression="SET v = :v",
                              ExpressionAttributeValues={":v": {"N": "1"}})
    assert "ConsumedCapacity" not in updated
    transact = ddb.transact_write_items(TransactItems=[{"Put": {"TableName": "zz-answers-table", "Item": {"id": {"S": "b"}}}}])
    assert set(transact) == {"ResponseMetadata"}
    asked = ddb.put_item(TableName="zz-answers-table", Item=item, ReturnConsumedCapacity="TOTAL")
    assert asked["ConsumedCapacity"]["TableName"] == "zz-answers-table"
    got = ddb.batch_get_item(RequestItems={"zz-answers-table": {"Keys": [item]}}, ReturnConsumedCapacity="TOTAL")
    assert got["ConsumedCapacity"] and got["Responses"]["zz-answers-table"] == [item]  # the put replaced it
    assert checked and all(checked)


def test_sqs_batch_answers_have_no_empty_failed(localcloud):
    sqs = client("sqs", localcloud.settings)
    url = sqs.create_queue(QueueName="zz-answers-batch")["QueueUrl"]
    sent = sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "1", "MessageBody": "x"}])
    assert [s["Id"] for s in sent["Successful"]] == ["1"] and "Failed" not in sent
    failed = sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": "1", "ReceiptHandle": "not-a-handle"}])
    assert failed["Failed"][0]["Code"] == "ReceiptHandleIsInvalid"


def test_kinesis_create_stream_without_shard_count_is_on_demand(localcloud):
    kinesis = client("kinesis", localcloud.settings)
    kinesis.create_stream(StreamName="zz-answers-on-demand")
    summary = kinesis.describe_stream_summary(StreamName="zz-answers-on-demand")["StreamDescriptionSummary"]
    assert summary["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"} and summary["OpenShardCount"] >= 1
    put = kinesis.put_record(StreamName="zz-answers-on-demand", Data=b"x", PartitionKey="k")
    assert len(put["SequenceNumber"]) == 56


def test_create_table_reports_warm_throughput_only_when_asked_describe_always(localcloud):
    ddb = client("dynamodb", localcloud.settings)
    schema = dict(KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                  AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    plain = ddb.create_table(TableName="zz-answers-warm", BillingMode="PAY_PER_REQUEST", **schema)["TableDescription"]
    assert "WarmThroughput" not in plain
    assert ddb.describe_table(TableName="zz-answers-warm")["Table"]["WarmThroughput"]["Status"] == "ACTIVE"
    asked = ddb.create_table(TableName="zz-answers-warm2", BillingMode="PAY_PER_REQUEST",
                             WarmThroughput={"ReadUnitsPerSecond": 13000, "WriteUnitsPerSecond": 5000}, **schema)
    assert asked["TableDescription"]["WarmThroughput"]["ReadUnitsPerSecond"] == 13000
    updated = ddb.update_table(TableName="zz-answers-warm", StreamSpecification={"StreamEnabled": True,
                                                                                  "StreamViewType": "KEYS_ONLY"})
    assert updated["TableDescription"]["WarmThroughput"]["Status"] == "ACTIVE"  # UpdateTable reports it


def test_provisioned_tables_have_no_billing_mode_summary(localcloud):
    ddb = client("dynamodb", localcloud.settings)
    schema = dict(KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                  AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    created = ddb.create_table(TableName="zz-provisioned", **schema,
                               ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
    assert "BillingModeSummary" not in created["TableDescription"]
    assert "BillingModeSummary" not in ddb.describe_table(TableName="zz-provisioned")["Table"]
    ddb.create_table(TableName="zz-on-demand", **schema, BillingMode="PAY_PER_REQUEST")
    summary = ddb.describe_table(TableName="zz-on-demand")["Table"]["BillingModeSummary"]
    assert summary["BillingMode"] == "PAY_PER_REQUEST"


def test_global_secondary_indexes_described_as_aws_does(localcloud):
    ddb = client("dynamodb", localcloud.settings)
    created = ddb.create_table(
        TableName="zz-gsi", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}, {"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}])["TableDescription"]
    [index] = created["GlobalSecondaryIndexes"]
    assert "WarmThroughput" not in index  # not asked for
    for table in (created, ddb.describe_table(TableName="zz-gsi")["Table"]):
        [index] = table["GlobalSecondaryIndexes"]
        assert index["IndexArn"] == f"{table['TableArn']}/index/by-g"
        assert index["ItemCount"] == 0 and index["IndexSizeBytes"] == 0
        assert index["ProvisionedThroughput"]["NumberOfDecreasesToday"] == 0
        assert "LastUpdateToPayPerRequestDateTime" in table["BillingModeSummary"]
