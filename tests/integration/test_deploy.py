"""Deploy twice creates nothing new; destroy removes everything; every resource kind, odd names."""

from __future__ import annotations

from sandbox.deploy import deploy, destroy, inventory
from sandbox.deploy.resources import (
    Arn, Bucket, DeliveryStream, EventSourceMapping, Function, GlueDatabase, Outcome, Queue, Role, Stream,
    Subscription, Table, Topic,
)


def every_kind() -> list:
    return [
        Role("zz-test-role"),
        Bucket("zz-test-bucket"),
        Stream("ZzTestStream", shards=1),
        Table("ZzTestTable", hash_key=("CustomerID", "N"), range_key=("OrderID", "S")),
        Queue("ZzTestQueue"),
        Topic("ZzTestTopic"),
        GlueDatabase("zz_test_db"),
        Function("ZzTestFunction", pipeline="../tests/integration/fixtures", module="echo", role="zz-test-role",
                 environment=(("QUEUE_URL", Arn.queue("ZzTestQueue")),)),
        EventSourceMapping("ZzTestFunction", Arn.stream("ZzTestStream"), batch_size=10, batching_window=1,
                           bisect_on_error=True, report_batch_item_failures=True, on_failure=Arn.queue("ZzTestQueue")),
        Subscription("ZzTestTopic", "sqs", Arn.queue("ZzTestQueue")),
        DeliveryStream("ZzTestDelivery", destination={"ExtendedS3DestinationConfiguration": {
            "RoleARN": Arn.role("zz-test-role"), "BucketARN": Arn.bucket("zz-test-bucket"), "Prefix": "zz/"}}),
    ]


def test_deploy_twice_creates_nothing_new_and_destroy_removes_all(localcloud):
    settings = localcloud.settings
    before = inventory(settings)
    first = deploy(settings, resources=every_kind())
    assert first.count(Outcome.CREATED) == len(every_kind())
    after_first = inventory(settings)
    second = deploy(settings, resources=every_kind())
    assert second.count(Outcome.UNCHANGED) == len(every_kind()), second.outcomes
    assert inventory(settings) == after_first
    for kind in ("bucket", "stream", "table", "queue", "topic", "function", "event-source-mapping",
                 "subscription", "delivery-stream", "glue-database"):
        assert len(after_first[kind]) == len(before[kind]) + 1, kind
    destroy(settings, resources=every_kind())
    assert inventory(settings) == before


def test_changed_code_and_settings_are_updated_in_place(localcloud, tmp_path):
    settings = localcloud.settings
    resources = every_kind()
    deploy(settings, resources=resources)
    changed = [
        Function("ZzTestFunction", pipeline="../tests/integration/fixtures", module="echo", role="zz-test-role",
                 timeout=7, environment=(("QUEUE_URL", Arn.queue("ZzTestQueue")),))
        if r.kind == "function" else r
        for r in resources
    ]
    report = deploy(settings, resources=changed)
    assert ("function", "ZzTestFunction", Outcome.UPDATED) in report.outcomes
    assert report.count(Outcome.CREATED) == 0
    from sandbox.aws import client

    config = client("lambda", settings).get_function_configuration(FunctionName="ZzTestFunction")
    assert config["Timeout"] == 7
    assert config["Environment"]["Variables"]["QUEUE_URL"].endswith("ZzTestQueue")


def test_a_changed_delivery_stream_declaration_is_applied_with_update_destination(localcloud):
    from sandbox.aws import client

    settings = localcloud.settings
    resources = every_kind()
    deploy(settings, resources=resources)
    changed = [
        DeliveryStream("ZzTestDelivery", destination={"ExtendedS3DestinationConfiguration": {
            "RoleARN": Arn.role("zz-test-role"), "BucketARN": Arn.bucket("zz-test-bucket"), "Prefix": "zz2/",
            "BufferingHints": {"IntervalInSeconds": 5, "SizeInMBs": 1}}})
        if r.kind == "delivery-stream" else r
        for r in resources
    ]
    report = deploy(settings, resources=changed)
    assert ("delivery-stream", "ZzTestDelivery", Outcome.UPDATED) in report.outcomes
    description = client("firehose", settings).describe_delivery_stream(DeliveryStreamName="ZzTestDelivery")
    s3 = description["DeliveryStreamDescription"]["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert s3["Prefix"] == "zz2/" and s3["BufferingHints"]["IntervalInSeconds"] == 5
    assert deploy(settings, resources=changed).count(Outcome.UNCHANGED) == len(changed)
    destroy(settings, resources=changed)
