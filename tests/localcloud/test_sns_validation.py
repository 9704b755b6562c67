"""SNS requests AWS rejects, rejected with AWS's code and message (sandbox/localcloud/sns/validation.py),
and deliveries that must not fail the Publish call (sandbox/localcloud/sns/delivery.py)."""

from __future__ import annotations

import json
import uuid
from typing import Any, Callable

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from sandbox.aws import client
from sandbox.waiting import wait_until


def _name(prefix: str = "lc-val") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _error(call: Callable[..., Any], **kwargs: Any) -> dict[str, str]:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    return raised.value.response["Error"]


def _queue(settings, **attributes: str) -> tuple[str, str]:
    sqs = client("sqs", settings)
    name = _name("lc-val-q") + (".fifo" if attributes.get("FifoQueue") == "true" else "")
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


@pytest.fixture
def sns(localcloud):
    return client("sns", localcloud.settings)


@pytest.fixture
def loose_sns(localcloud):
    """A client that sends what botocore would refuse to send (missing required parameters)."""
    return client("sns", localcloud.settings, config=Config(parameter_validation=False))


@pytest.fixture
def topic(sns) -> str:
    return sns.create_topic(Name=_name())["TopicArn"]


def test_malformed_arns_are_invalid_parameters_not_server_errors(sns, loose_sns, topic):
    error = _error(sns.get_topic_attributes, TopicArn="test-topic")
    assert error == {"Type": "Sender", "Code": "InvalidParameter",
                     "Message": "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1"}
    assert _error(sns.subscribe, TopicArn="arn:aws:sns:us-east-1:000000000000", Protocol="sqs",
                  Endpoint="x")["Message"].endswith("not 5")
    assert _error(sns.publish, TopicArn="a:b", Message="m")["Message"].endswith("not 2")
    assert _error(sns.unsubscribe, SubscriptionArn="randomstring")["Message"] == (
        "Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 1")
    assert _error(sns.unsubscribe, SubscriptionArn="arn:aws:sns:us-east-1:000000000000:random")["Message"] == (
        "Invalid parameter: SubscriptionId")
    assert _error(loose_sns.unsubscribe)["Message"] == (
        "Invalid parameter: SubscriptionArn Reason: no value for required parameter")
    other_region = topic.replace(":us-east-1:", ":eu-west-1:")
    assert _error(sns.get_topic_attributes, TopicArn=other_region)["Message"] == "Invalid parameter: TopicArn"


def test_create_topic_names_attributes_and_tags(sns):
    assert _error(sns.create_topic, Name="bad name")["Message"] == "Invalid parameter: Topic Name"
    assert _error(sns.create_topic, Name=_name(), Attributes={"FifoTopic": "true"})["Message"] == (
        "Invalid parameter: Topic Name")
    name = _name()
    arn = sns.create_topic(Name=name, Attributes={"DisplayName": "one"}, Tags=[{"Key": "k", "Value": "v"}])["TopicArn"]
    assert sns.create_topic(Name=name)["TopicArn"] == arn
    assert sns.create_topic(Name=name, Tags=[{"Key": "k", "Value": "v"}])["TopicArn"] == arn
    assert sns.create_topic(Name=name, Tags=[])["TopicArn"] == arn
    assert sns.create_topic(Name=name, Attributes={"DisplayName": "one", "FifoTopic": "false"})["TopicArn"] == arn
    assert _error(sns.create_topic, Name=name, Attributes={"DisplayName": "two"})["Message"] == (
        "Invalid parameter: Attributes Reason: Topic already exists with different attributes")
    assert _error(sns.create_topic, Name=name, Tags=[{"Key": "k", "Value": "v"}, {"Key": "k2", "Value": "v"}])[
        "Message"] == "Invalid parameter: Tags Reason: Topic already exists with different tags"
    assert _error(sns.tag_resource, ResourceArn=arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}])[
        "Message"] == "Invalid parameter: Duplicated keys are not allowed."
    assert _error(sns.set_topic_attributes, TopicArn=arn, AttributeName="FifoTopic", AttributeValue="false")[
        "Message"] == "Invalid parameter: AttributeName"


def test_publish_rejects_empty_and_oversized_messages_and_bad_structures(sns, topic):
    assert _error(sns.publish, TopicArn=topic, Message="")["Message"] == "Invalid parameter: Empty message"
    assert _error(sns.publish, TopicArn=topic, Message="m", Subject="")["Message"] == "Invalid parameter: Subject"
    attributes = {"attr1": {"DataType": "Number", "StringValue": "1"}}
    fits = "a" * (262144 - len("attr1") - len("Number") - len("1"))
    assert _error(sns.publish, TopicArn=topic, Message=fits + "a", MessageAttributes=attributes)["Message"] == (
        "Invalid parameter: Message too long")
    assert sns.publish(TopicArn=topic, Message=fits, MessageAttributes=attributes)["MessageId"]
    assert _error(sns.publish, TopicArn=topic, Message=json.dumps({"sqs": "x"}), MessageStructure="json")[
        "Message"] == "Invalid parameter: Message Structure - No default entry in JSON message body"
    assert _error(sns.publish, TopicArn=topic, Message='{"default": "x"} }', MessageStructure="json")[
        "Message"] == "Invalid parameter: Message Structure - JSON message body failed to parse"


@pytest.mark.parametrize("attribute, code, message", [
    ({"DataType": "String", "StringValue": ""}, "ParameterValueInvalid",
     "The message attribute 'attr1' must contain non-empty message attribute value for message attribute type 'String'."),
    ({"DataType": "String", "BinaryValue": b"x"}, "ParameterValueInvalid",
     "The message attribute 'attr1' with type 'String' must use field 'String'."),
    ({"DataType": "Binary", "StringValue": "x"}, "ParameterValueInvalid",
     "The message attribute 'attr1' with type 'Binary' must use field 'Binary'."),
    ({"DataType": "String.", "StringValue": "x"}, "ParameterValueInvalid",
     "The message attribute 'attr1' has an invalid message attribute type, the set of supported type prefixes is "
     "Binary, Number, and String."),
    ({"StringValue": "x"}, "ValidationError",
     "1 validation error detected: Value null at 'messageAttributes.attr1.member.dataType' failed to satisfy "
     "constraint: Member must not be null"),
])
def test_message_attributes_are_checked_as_aws_checks_them(localcloud, loose_sns, topic, attribute, code, message):
    error = _error(loose_sns.publish, TopicArn=topic, Message="m", MessageAttributes={"attr1": attribute})
    assert (error["Code"], error["Message"]) == (code, message)


def test_message_attribute_names(sns, topic):
    def publish(name: str) -> str:
        return _error(sns.publish, TopicArn=topic, Message="m",
                      MessageAttributes={name: {"DataType": "String", "StringValue": "v"}})["Message"]

    assert publish("a^b").startswith("Invalid non-alphanumeric character '#x5E' was found in the message attribute name.")
    assert publish(".ab") == "Invalid message attribute name starting with character '.' was found."
    assert publish("ab.") == "Invalid message attribute name ending with character '.' was found."
    assert publish("a..b") == "Message attribute name can not have successive '.' character."
    assert publish("a" * 256) == "Length of message attribute name must be less than 256 bytes."
    assert sns.publish(TopicArn=topic, Message="m",
                       MessageAttributes={"a.b": {"DataType": "String.custom", "StringValue": "v"}})["MessageId"]


def test_publish_batch_entries(sns, topic):
    def batch(entries: list[dict[str, Any]], arn: str = topic) -> dict[str, str]:
        return _error(sns.publish_batch, TopicArn=arn, PublishBatchRequestEntries=entries)

    assert batch([{"Id": "message.id", "Message": "m"}]) == {
        "Type": "Sender", "Code": "InvalidBatchEntryId",
        "Message": "The Id of a batch entry in the batch request contains an impermissible character: message.id"}
    assert batch([{"Id": "a" * 81, "Message": "m"}])["Message"] == (
        f"The Id of a batch entry in the batch request is too long: {'a' * 81}")
    too_long = batch([{"Id": "1", "Message": "a" * 131072}, {"Id": "2", "Message": "b" * 131073}])
    assert (too_long["Code"], too_long["Message"]) == (
        "BatchRequestTooLong", "The length of all the messages put together is more than the limit.")
    fifo = sns.create_topic(Name=_name() + ".fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    assert batch([{"Id": "1", "Message": "m", "MessageGroupId": "g"}], fifo)["Message"] == (
        "Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId "
        "provided explicitly")
    assert batch([{"Id": "1", "Message": "m"}], fifo)["Message"] == (
        "Invalid parameter: The MessageGroupId parameter is required for FIFO topics")


def test_subscribe_protocols_attributes_and_idempotency(localcloud, sns, topic):
    _, queue_arn = _queue(localcloud.settings)
    assert _error(sns.subscribe, TopicArn=topic, Protocol="test-protocol", Endpoint="x")["Message"] == (
        "Invalid parameter: Amazon SNS does not support this protocol string: test-protocol")
    assert _error(sns.subscribe, TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                  Attributes={"RawMessageDelivery": "wrongvalue"})["Message"] == (
        "Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value [wrongvalue]. Must be true or false.")
    assert _error(sns.subscribe, TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                  Attributes={"FilterPolicy": "invalid"})["Message"] == (
        "Invalid parameter: Attributes Reason: FilterPolicy: failed to parse JSON. Unrecognized token 'invalid': was "
        "expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: REDACTED "
        "(`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 8]")
    arn = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "True"},
                        ReturnSubscriptionArn=True)["SubscriptionArn"]
    again = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, ReturnSubscriptionArn=True,
                          Attributes={"RawMessageDelivery": "true", "FilterPolicyScope": "MessageAttributes"})
    assert again["SubscriptionArn"] == arn
    assert _error(sns.subscribe, TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                  Attributes={"RawMessageDelivery": "false"})["Message"] == (
        "Invalid parameter: Attributes Reason: Subscription already exists with different attributes")


def test_set_subscription_attributes(localcloud, sns, topic):
    _, queue_arn = _queue(localcloud.settings)
    arn = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, ReturnSubscriptionArn=True)["SubscriptionArn"]

    def set_attribute(name: str, value: str) -> str:
        return _error(sns.set_subscription_attributes, SubscriptionArn=arn, AttributeName=name,
                      AttributeValue=value)["Message"]

    assert set_attribute("FakeAttribute", "x") == "Invalid parameter: AttributeName"
    assert set_attribute("FilterPolicyScope", "RandomValue") == (
        "Invalid parameter: FilterPolicyScope: Invalid value [RandomValue]. Please use either MessageBody or "
        "MessageAttributes")
    assert set_attribute("RawMessageDelivery", "") == (
        "Invalid parameter: RawMessageDelivery: Invalid value []. Must be true or false.")
    assert set_attribute("RedrivePolicy", json.dumps({"deadLetterTargetArn": "fake-arn"})) == (
        "Invalid parameter: RedrivePolicy: deadLetterTargetArn is an invalid arn")
    assert set_attribute("FilterPolicy", "{invalidjson}") == (
        "Invalid parameter: FilterPolicy: failed to parse JSON. Unexpected character ('i' (code 105)): was expecting "
        "double-quote to start field name\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` "
        "disabled); line: 1, column: 2]")


@pytest.mark.parametrize("name, platform, attributes, code, message", [
    ("app", "ADM", {}, "ValidationError",
     "1 validation error detected: Value null at 'attributes' failed to satisfy constraint: Member must not be null"),
    ("", "ADM", {"PlatformPrincipal": "p", "PlatformCredential": "c"}, "InvalidParameter",
     "Invalid parameter:  Reason: cannot be empty"),
    ("@name", "ADM", {"PlatformPrincipal": "p", "PlatformCredential": "c"}, "InvalidParameter",
     "Invalid parameter: @name Reason: must contain only characters 'a'-'z', 'A'-'Z', '0'-'9', '_', '-', and '.'"),
    ("app", "AAA", {"PlatformPrincipal": "p", "PlatformCredential": "c"}, "InvalidParameter",
     "Invalid parameter: Platform Reason: AAA is not supported"),
    ("app", "ADM", {"PlatformPrincipal": "p"}, "InvalidParameter",
     "Invalid parameter: Attributes Reason: PlatformPrincipal attribute provided without PlatformCredential"),
])
def test_platform_applications(sns, name, platform, attributes, code, message):
    error = _error(sns.create_platform_application, Name=name, Platform=platform, Attributes=attributes)
    assert (error["Code"], error["Message"]) == (code, message)


def test_sms_attributes_and_phone_numbers(sns):
    assert _error(sns.set_sms_attributes, attributes={"DefaultSendID": "x"})["Message"] == (
        "DefaultSendID is not a valid attribute")
    assert _error(sns.set_sms_attributes, attributes={"DefaultSMSType": "invalid"})["Message"] == (
        "DefaultSMSType is invalid")
    sns.set_sms_attributes(attributes={"DefaultSMSType": "Transactional"})
    assert _error(sns.opt_in_phone_number, phoneNumber="invalid")["Message"] == (
        "Invalid parameter: PhoneNumber Reason: input incorrectly formatted")


def test_publish_succeeds_when_a_subscribed_queue_was_deleted(localcloud, sns, topic):
    sqs = client("sqs", localcloud.settings)
    gone_url, gone_arn = _queue(localcloud.settings)
    kept_url, kept_arn = _queue(localcloud.settings)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=gone_arn)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=kept_arn)
    sqs.delete_queue(QueueUrl=gone_url)

    assert sns.publish(TopicArn=topic, Message="still delivered")["MessageId"]

    messages = wait_until(lambda: sqs.receive_message(QueueUrl=kept_url, WaitTimeSeconds=1).get("Messages"),
                          timeout=10, message="the message in the queue that still exists")
    assert json.loads(messages[0]["Body"])["Message"] == "still delivered"


def test_fifo_topic_with_content_based_deduplication_feeds_a_fifo_queue_without_it(localcloud, sns):
    sqs = client("sqs", localcloud.settings)
    url, queue_arn = _queue(localcloud.settings, FifoQueue="true")
    fifo = sns.create_topic(Name=_name() + ".fifo",
                            Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"})["TopicArn"]
    sns.subscribe(TopicArn=fifo, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})

    for _ in range(2):  # the same content twice: one message
        sns.publish(TopicArn=fifo, Message="once", MessageGroupId="g")

    messages = wait_until(lambda: sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                                      WaitTimeSeconds=1).get("Messages"),
                          timeout=10, message="the message in the FIFO queue")
    assert [m["Body"] for m in messages] == ["once"]


def test_publish_targets_that_do_not_exist(sns, topic):
    missing = _error(sns.publish, TopicArn=topic + "-gone", Message="m")
    assert (missing["Code"], missing["Message"]) == ("NotFound", "Topic does not exist")
    no_endpoint = _error(sns.publish, TargetArn=topic.replace(topic.split(":")[-1], "endpoint/GCM/app/x"), Message="m")
    assert (no_endpoint["Code"], no_endpoint["Message"]) == (
        "InvalidParameter", "Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified")
    assert _error(sns.publish, PhoneNumber="+1a234", Message="m")["Message"] == (
        "Invalid parameter: PhoneNumber Reason: +1a234 is not valid to publish to")


def test_permissions_platform_application_arns_and_missing_subscriptions(sns, topic):
    sns.add_permission(TopicArn=topic, Label="one", AWSAccountId=["000000000000"], ActionName=["Publish"])
    assert _error(sns.add_permission, TopicArn=topic, Label="one", AWSAccountId=["000000000000"],
                  ActionName=["Publish"])["Message"] == "Invalid parameter: Statement already exists"
    assert _error(sns.add_permission, TopicArn=topic, Label="two", AWSAccountId=["000000000000"],
                  ActionName=["Invent"])["Message"] == "Invalid parameter: Policy statement action out of service scope!"
    assert _error(sns.get_platform_application_attributes, PlatformApplicationArn="invalid-arn")["Message"] == (
        "Invalid parameter: PlatformApplicationArn Reason: An ARN must have at least 6 elements, not 1")
    gone = _error(sns.set_subscription_attributes, SubscriptionArn=topic + ":0c5b3f4e-0000-0000-0000-000000000000",
                  AttributeName="RawMessageDelivery", AttributeValue="true")
    assert (gone["Code"], gone["Message"]) == ("NotFound", "Subscription does not exist")


def test_a_message_for_a_deleted_queue_goes_to_the_subscriptions_dead_letter_queue(localcloud, sns, topic):
    sqs = client("sqs", localcloud.settings)
    gone_url, gone_arn = _queue(localcloud.settings)
    dlq_url, dlq_arn = _queue(localcloud.settings)
    subscription = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=gone_arn,
                                 Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn})},
                                 ReturnSubscriptionArn=True)["SubscriptionArn"]
    sqs.delete_queue(QueueUrl=gone_url)

    sns.publish(TopicArn=topic, Message="undeliverable")

    [message] = wait_until(lambda: sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=1).get("Messages"),
                           timeout=10, message="the message in the dead-letter queue")
    body = json.loads(message["Body"])
    assert body["Message"] == "undeliverable" and body["UnsubscribeURL"].endswith(subscription)


def test_a_message_for_a_missing_function_goes_to_the_subscriptions_dead_letter_queue(localcloud, sns, topic):
    sqs = client("sqs", localcloud.settings)
    dlq_url, dlq_arn = _queue(localcloud.settings)
    function = f"arn:aws:lambda:{localcloud.settings.region}:{localcloud.settings.account_id}:function:{_name('gone')}"
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function,
                  Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn})})

    sns.publish(TopicArn=topic, Message="no function")

    [message] = wait_until(lambda: sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=1).get("Messages"),
                           timeout=10, message="the message in the dead-letter queue")
    assert json.loads(message["Body"])["Message"] == "no function"


def test_a_fifo_queue_on_a_fifo_topic_needs_a_fifo_dead_letter_queue(localcloud, sns):
    _, fifo_queue = _queue(localcloud.settings, FifoQueue="true")
    _, standard_queue = _queue(localcloud.settings)
    topic = sns.create_topic(Name=_name() + ".fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    fifo_subscription = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=fifo_queue,
                                      ReturnSubscriptionArn=True)["SubscriptionArn"]
    standard_subscription = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=standard_queue,
                                          ReturnSubscriptionArn=True)["SubscriptionArn"]
    policy = json.dumps({"deadLetterTargetArn": standard_queue})

    sns.set_subscription_attributes(SubscriptionArn=standard_subscription, AttributeName="RedrivePolicy",
                                    AttributeValue=policy)
    assert _error(sns.set_subscription_attributes, SubscriptionArn=fifo_subscription, AttributeName="RedrivePolicy",
                  AttributeValue=policy)["Message"] == (
        "Invalid parameter: RedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a FIFO Topic.")


def test_a_rejected_subscribe_leaves_no_subscription_and_names_the_attributes(localcloud, sns, topic):
    _, queue_arn = _queue(localcloud.settings)
    too_many_keys = json.dumps({f"key{n}": ["v"] for n in range(6)})

    error = _error(sns.subscribe, TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                   Attributes={"FilterPolicy": too_many_keys})

    assert error["Message"] == "Invalid parameter: Attributes Reason: FilterPolicy: Filter policy can not have more than 5 keys"
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []
    policy = json.dumps({"key": ["v"]})
    arn = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"FilterPolicy": policy},
                        ReturnSubscriptionArn=True)["SubscriptionArn"]
    assert sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, ReturnSubscriptionArn=True,
                         Attributes={"FilterPolicy": json.dumps({"key": ["v"]}, indent=2)})["SubscriptionArn"] == arn
    assert _error(sns.set_subscription_attributes, SubscriptionArn=arn, AttributeName="FilterPolicy",
                  AttributeValue=too_many_keys)["Message"] == (
        "Invalid parameter: FilterPolicy: Filter policy can not have more than 5 keys")


def test_a_fifo_subscription_whose_queue_is_gone_feeds_its_fifo_dead_letter_queue(localcloud, sns):
    sqs = client("sqs", localcloud.settings)
    gone_url, gone_arn = _queue(localcloud.settings, FifoQueue="true")
    dlq_url, dlq_arn = _queue(localcloud.settings, FifoQueue="true")
    topic = sns.create_topic(Name=_name() + ".fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    subscription = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=gone_arn, ReturnSubscriptionArn=True,
                                 Attributes={"RawMessageDelivery": "true"})["SubscriptionArn"]
    sns.set_subscription_attributes(SubscriptionArn=subscription, AttributeName="RedrivePolicy",
                                    AttributeValue=json.dumps({"deadLetterTargetArn": dlq_arn}))
    sqs.delete_queue(QueueUrl=gone_url)

    sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
        {"Id": str(n), "Message": f"m{n}", "MessageGroupId": "g", "MessageDeduplicationId": f"d{n}"} for n in range(3)])

    received: list[dict[str, Any]] = []
    wait_until(lambda: received.extend(sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                                           AttributeNames=["All"]).get("Messages", [])) or len(received) == 3,
               timeout=10, message="three messages in the FIFO dead-letter queue")
    assert [m["Body"] for m in received] == ["m0", "m1", "m2"]
    assert received[0]["Attributes"]["MessageDeduplicationId"] == "d0"


@pytest.mark.parametrize("policy, reason", [
    ({"key": [{"suffix": "value", "prefix": "value2"}]}, "Only one key allowed in match expression"),
    ({"key": [{"suffix": 100}]}, "suffix match pattern must be a string"),
    ({"key": {"suffix": "value"}}, '"suffix" must be an object or an array'),
    ({"key": []}, "Empty arrays are not allowed"),
    ({"key": [{"anything-but": {"suffix": "test"}}]}, "Unsupported anything-but pattern: suffix"),
    ({"key": [{"anything-but": {"prefix": False}}]}, "prefix match pattern must be a string"),
    ({"key": [{"numeric": [">", 20, "<", 30, "<", 50]}]}, "Too many terms in numeric range expression"),
    ({"key": [{"numeric": ["=", "000"]}]}, "Value of equals must be numeric"),
    ({"key": [{"numeric": [">", 20, 30]}]}, "Bad value in numeric range: 30"),
])
def test_filter_policy_rules_moto_does_not_check(localcloud, sns, topic, policy, reason):
    error = _error(sns.subscribe, TopicArn=topic, Protocol="sms", Endpoint="+123123123",
                   Attributes={"FilterPolicy": json.dumps(policy)})
    assert error["Message"] == f"Invalid parameter: Attributes Reason: FilterPolicy: {reason}"
