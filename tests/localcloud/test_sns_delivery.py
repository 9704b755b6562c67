"""SNS delivery through boto3: topic → Lambda (event shape), → SQS (envelope and raw), → HTTP on
loopback, → email/email-json/SMS inbox (sandbox/localcloud/sns/)."""

from __future__ import annotations

import io
import json
import threading
import uuid
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest

from sandbox.aws import client
from sandbox.localcloud.sns import inbox as sns_inbox
from sandbox.waiting import wait_until

RECORDER = '''
import json, boto3

def handler(event, context):
    message_id = event["Records"][0]["Sns"]["MessageId"]
    boto3.client("s3").put_object(Bucket=BUCKET, Key=message_id, Body=json.dumps(event).encode())
'''

ATTRIBUTES = {"severity": {"DataType": "String", "StringValue": "high"}, "count": {"DataType": "Number", "StringValue": "12"}}


def _topic(settings) -> str:
    return client("sns", settings).create_topic(Name=f"lc-test-topic-{uuid.uuid4().hex[:8]}")["TopicArn"]


def _queue(settings) -> tuple[str, str]:
    sqs = client("sqs", settings)
    url = sqs.create_queue(QueueName=f"lc-test-sns-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def _receive(settings, url: str) -> dict[str, Any]:
    sqs = client("sqs", settings)
    messages = wait_until(
        lambda: sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], WaitTimeSeconds=1).get("Messages"),
        timeout=10,
        message=f"a message in {url}",
    )
    return messages[0]


def test_topic_to_lambda_gets_the_sns_event_asynchronously(localcloud):
    settings = localcloud.settings
    bucket = f"lc-test-sns-{uuid.uuid4().hex[:8]}"
    client("s3", settings).create_bucket(Bucket=bucket)
    role = client("iam", settings).create_role(RoleName="lc-test-sns-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("recorder.py", f"BUCKET = {bucket!r}\n" + RECORDER)
    function_arn = client("lambda", settings).create_function(
        FunctionName=f"lc-test-sns-recorder-{uuid.uuid4().hex[:6]}",
        Runtime="python3.11",
        Role=role,
        Handler="recorder.handler",
        Code={"ZipFile": code.getvalue()},
    )["FunctionArn"]
    sns = client("sns", settings)
    topic = _topic(settings)
    subscription = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function_arn)["SubscriptionArn"]

    message_id = sns.publish(TopicArn=topic, Message="10 orders in 10 s", Subject="Order rate alarm",
                             MessageAttributes=ATTRIBUTES)["MessageId"]

    s3 = client("s3", settings)
    body = wait_until(lambda: s3.get_object(Bucket=bucket, Key=message_id)["Body"].read(), timeout=20,
                      message="the Lambda's record of the SNS event")
    event = json.loads(body)
    assert len(event["Records"]) == 1
    record = event["Records"][0]
    assert record["EventSource"] == "aws:sns"
    assert record["EventVersion"] == "1.0"
    assert record["EventSubscriptionArn"] == subscription
    notification = record["Sns"]
    assert notification["Type"] == "Notification"
    assert notification["MessageId"] == message_id
    assert notification["TopicArn"] == topic
    assert notification["Subject"] == "Order rate alarm"
    assert notification["Message"] == "10 orders in 10 s"
    assert notification["Timestamp"].endswith("Z") and "T" in notification["Timestamp"]
    assert notification["MessageAttributes"] == {"severity": {"Type": "String", "Value": "high"},
                                                 "count": {"Type": "Number", "Value": "12"}}
    assert notification["Signature"] and notification["SigningCertUrl"].startswith("https://")
    assert subscription in notification["UnsubscribeUrl"]


def test_topic_to_sqs_wraps_the_message_in_the_notification_envelope(localcloud):
    settings = localcloud.settings
    sns = client("sns", settings)
    topic = _topic(settings)
    url, arn = _queue(settings)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)

    message_id = sns.publish(TopicArn=topic, Message="hello queue", Subject="greeting", MessageAttributes=ATTRIBUTES)["MessageId"]

    envelope = json.loads(_receive(settings, url)["Body"])
    assert envelope["Type"] == "Notification"
    assert envelope["MessageId"] == message_id
    assert envelope["TopicArn"] == topic
    assert envelope["Subject"] == "greeting"
    assert envelope["Message"] == "hello queue"
    assert {"Timestamp", "SignatureVersion", "Signature", "SigningCertURL", "UnsubscribeURL"} <= envelope.keys()
    assert envelope["MessageAttributes"]["severity"] == {"Type": "String", "Value": "high"}


def test_topic_to_sqs_raw_delivery_sends_the_bare_message(localcloud):
    settings = localcloud.settings
    sns = client("sns", settings)
    topic = _topic(settings)
    url, arn = _queue(settings)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})

    sns.publish(TopicArn=topic, Message='{"raw": true}', MessageAttributes=ATTRIBUTES)

    message = _receive(settings, url)
    assert message["Body"] == '{"raw": true}'
    assert message["MessageAttributes"]["severity"] == {"DataType": "String", "StringValue": "high"}


def test_email_email_json_and_sms_go_to_the_inbox_and_filter_policies_apply(localcloud):
    settings = localcloud.settings
    sns = client("sns", settings)
    topic = _topic(settings)
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")
    sns.subscribe(TopicArn=topic, Protocol="email-json", Endpoint="robot@example.com")
    sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint="+15555550100")
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="low@example.com",
                  Attributes={"FilterPolicy": json.dumps({"severity": ["low"]})})

    message_id = sns.publish(TopicArn=topic, Message="alarm!", Subject="Order rate", MessageAttributes=ATTRIBUTES)["MessageId"]

    entries = {e["endpoint"]: e for e in sns_inbox.inbox() if e["topic"] == topic}
    assert set(entries) == {"ops@example.com", "robot@example.com", "+15555550100"}
    email = entries["ops@example.com"]
    assert (email["protocol"], email["subject"], email["message"], email["message_id"]) == ("email", "Order rate", "alarm!", message_id)
    assert email["time"].endswith("Z")
    assert entries["+15555550100"]["protocol"] == "sms" and entries["+15555550100"]["message"] == "alarm!"
    document = json.loads(entries["robot@example.com"]["message"])
    assert document["Type"] == "Notification" and document["Message"] == "alarm!" and document["MessageId"] == message_id
    assert localcloud.runtime.extensions["sns"].describe() == sns_inbox.inbox()
    on_disk = [json.loads(line) for line in (settings.state_dir / "sns" / "inbox.jsonl").read_text().splitlines()]
    assert {e["endpoint"] for e in on_disk} == set(entries)


@pytest.fixture
def http_endpoint() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"path": self.path, "headers": dict(self.headers), "body": body.decode()})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sns", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_topic_to_http_posts_the_notification_off_the_publish_call(localcloud, http_endpoint):
    settings = localcloud.settings
    url, received = http_endpoint
    sns = client("sns", settings)
    topic = _topic(settings)
    subscription = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=url)["SubscriptionArn"]
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint="http://127.0.0.1:9/down")  # nothing listens

    message_id = sns.publish(TopicArn=topic, Message="webhook", Subject="hi")["MessageId"]  # does not fail

    wait_until(lambda: received, timeout=10, message="the HTTP notification")
    request = received[0]
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert request["path"] == "/sns"
    assert headers["x-amz-sns-message-type"] == "Notification"
    assert headers["x-amz-sns-message-id"] == message_id
    assert headers["x-amz-sns-topic-arn"] == topic
    assert headers["x-amz-sns-subscription-arn"] == subscription
    document = json.loads(request["body"])
    assert (document["Type"], document["Message"], document["Subject"]) == ("Notification", "webhook", "hi")


def test_notifications_are_signed_with_signature_version_1_unless_the_topic_asks_for_2(localcloud):
    import base64
    import json

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    from sandbox.aws import client
    from sandbox.localcloud import moto_seam as seam

    sns, sqs = client("sns", localcloud.settings), client("sqs", localcloud.settings)
    url, queue_arn = _queue(localcloud.settings)
    topic = sns.create_topic(Name="zz-signed")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    certificates = set()
    for version, algorithm in (("1", hashes.SHA1()), ("2", hashes.SHA256())):
        if version == "2":
            sns.set_topic_attributes(TopicArn=topic, AttributeName="SignatureVersion", AttributeValue="2")
        sns.publish(TopicArn=topic, Message=f"m{version}", Subject="s")
        [message] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)["Messages"]
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        envelope = json.loads(message["Body"])
        assert envelope["SignatureVersion"] == version
        signed = "".join(f"{k}\n{envelope[k]}\n" for k in ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"))
        certificates.add(envelope["SigningCertURL"])
        pem = seam.backend("sns", seam.DEFAULT_ACCOUNT_ID, localcloud.settings.region)._message_public_keys[
            envelope["SigningCertURL"].rsplit("/", 1)[1]]
        x509.load_pem_x509_certificate(pem).public_key().verify(base64.b64decode(envelope["Signature"]), signed.encode(),
                                                                 padding.PKCS1v15(), algorithm)  # raises when wrong
    assert len(certificates) == 1  # one signing certificate per region, as AWS's


def test_errors_carry_type_code_and_message_only(localcloud):
    import pytest
    from botocore.exceptions import ClientError

    from sandbox.aws import client

    with pytest.raises(ClientError) as missing:
        client("sns", localcloud.settings).get_topic_attributes(TopicArn="arn:aws:sns:us-east-1:000000000000:zz-none")
    assert missing.value.response["Error"] == {"Type": "Sender", "Code": "NotFound", "Message": "Topic does not exist"}


def test_fifo_topic_numbers_deduplicates_and_leaves_standard_queues_without_fifo_fields(localcloud):
    import json

    from sandbox.aws import client
    from sandbox.waiting import wait_until

    sns, sqs = client("sns", localcloud.settings), client("sqs", localcloud.settings)
    url, queue_arn = _queue(localcloud.settings)
    topic = sns.create_topic(Name="zz-fifo.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    subscription = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                                 ReturnSubscriptionArn=True)["SubscriptionArn"]

    first = sns.publish(TopicArn=topic, Message="m", MessageGroupId="g", MessageDeduplicationId="d1")
    sns.publish(TopicArn=topic, Message="m again", MessageGroupId="g", MessageDeduplicationId="d1")  # a duplicate
    batch = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
        {"Id": "1", "Message": "b", "MessageGroupId": "g", "MessageDeduplicationId": "d2"}])

    assert len(first["SequenceNumber"]) == 20
    assert int(batch["Successful"][0]["SequenceNumber"]) > int(first["SequenceNumber"])
    messages = wait_until(lambda: sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                                      AttributeNames=["All"]).get("Messages"),
                          timeout=10, message="the FIFO topic's messages")
    body = json.loads(messages[0]["Body"])
    assert (body["Message"], body["SequenceNumber"]) == ("m", first["SequenceNumber"])
    assert "Signature" not in body and "SigningCertURL" not in body
    assert body["UnsubscribeURL"].endswith(f"SubscriptionArn={subscription}")
    assert "MessageGroupId" not in messages[0]["Attributes"]
    rest = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    assert [json.loads(m["Body"])["Message"] for m in messages + rest] == ["m", "b"]


def test_json_message_structure_uses_the_protocol_entry_only_when_it_is_a_string(localcloud):
    import json

    from sandbox.aws import client
    from sandbox.waiting import wait_until

    sns, sqs = client("sns", localcloud.settings), client("sqs", localcloud.settings)
    url, queue_arn = _queue(localcloud.settings)
    topic = sns.create_topic(Name="zz-structure")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)

    sns.publish(TopicArn=topic, MessageStructure="json", Message=json.dumps({"default": "d", "sqs": "for sqs"}))
    sns.publish(TopicArn=topic, MessageStructure="json", Message=json.dumps({"default": "d", "sqs": {"an": "object"}}))

    received: list[str] = []
    wait_until(lambda: received.extend(json.loads(m["Body"])["Message"] for m in sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])) or len(received) == 2,
        timeout=10, message="both messages")
    assert sorted(received) == ["d", "for sqs"]


def test_raw_delivery_keeps_binary_attributes_binary(localcloud):
    from sandbox.aws import client
    from sandbox.waiting import wait_until

    sns, sqs = client("sns", localcloud.settings), client("sqs", localcloud.settings)
    url, queue_arn = _queue(localcloud.settings)
    topic = sns.create_topic(Name="zz-raw-binary", Attributes={"SignatureVersion": "2"})["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})

    sns.publish(TopicArn=topic, Message="raw", MessageAttributes={"store": {"DataType": "Binary", "BinaryValue": b"\x02\x03"}})

    [message] = wait_until(lambda: sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"],
                                                       WaitTimeSeconds=1).get("Messages"), timeout=10, message="raw message")
    assert message["MessageAttributes"]["store"] == {"DataType": "Binary", "BinaryValue": b"\x02\x03"}
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["SignatureVersion"] == "2"


def test_a_standard_topic_passes_the_message_group_id_to_a_standard_queue(localcloud):
    from sandbox.aws import client
    from sandbox.waiting import wait_until

    sns, sqs = client("sns", localcloud.settings), client("sqs", localcloud.settings)
    url, queue_arn = _queue(localcloud.settings)
    topic = sns.create_topic(Name="zz-fair-topic")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)

    sns.publish(TopicArn=topic, Message="m", MessageGroupId="tenant-1")

    [message] = wait_until(lambda: sqs.receive_message(QueueUrl=url, AttributeNames=["All"],
                                                       WaitTimeSeconds=1).get("Messages"), timeout=10, message="m")
    assert message["Attributes"]["MessageGroupId"] == "tenant-1"
