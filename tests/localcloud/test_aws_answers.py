"""localcloud answers in AWS's form (docs/FIDELITY.md): boto3 against the in-process LocalCloud."""

from __future__ import annotations

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
    assert got["State"] == "Active" and "StateReasonCode" not in got and got["RevisionId"] == created["RevisionId"]
    assert got["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/aws/lambda/zz-answers-fn"}
    assert got["RuntimeVersionConfig"]["RuntimeVersionArn"].startswith("arn:aws:lambda:us-east-1::runtime:")
    updated = lam.update_function_configuration(FunctionName="zz-answers-fn", Timeout=9)
    assert updated["RevisionId"] != created["RevisionId"] and updated["Timeout"] == 9
    assert lam.get_function_configuration(FunctionName="zz-answers-fn")["RevisionId"] == updated["RevisionId"]


def test_lambda_errors_carry_aws_type_and_message(localcloud):
    import pytest
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as missing:
        client("lambda", localcloud.settings).get_function(FunctionName="zz-no-such-fn")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert missing.value.response["Type"] == "User" and missing.value.response["Message"]
