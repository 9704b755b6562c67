"""Pipeline 3 resources: Kinesis OrderRateAlarms → Lambda TransactionRateAlarm → SNS CadabraAlarms
(SQS inbox, SMS, email), plus the dead-letter queue. The Spark job reads CadabraOrders (pipeline 1's
stream, declared identically here so this pipeline deploys on its own)."""

import json

from sandbox.deploy.resources import Arn, EventSourceMapping, Function, Queue, QueueUrl, Stream, Subscription, Topic
from sandbox.settings import get_settings

_settings = get_settings()
_names = _settings.names

# On AWS an SQS queue accepts SNS messages only if its policy allows the topic to send
# (https://docs.aws.amazon.com/sns/latest/dg/subscribe-sqs-queue-to-sns-topic.html).
INBOX_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
        "Resource": "*", "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:sns:*:*:{_names.alarms_topic}"}},
    }],
}, sort_keys=True)

RESOURCES = [
    Stream(_names.orders_stream, shards=_settings.orders_shards),
    Stream(_names.alarms_stream, shards=1),
    Topic(_names.alarms_topic),
    Queue(_names.alarms_inbox, attributes=(("Policy", INBOX_POLICY),)),
    Queue(_names.alarms_dlq),
    Function(
        _names.alarms_function,
        pipeline="rate_alarm",
        timeout=30,
        memory=128,
        environment=(("TOPIC_ARN", Arn.topic(_names.alarms_topic)), ("DLQ_URL", QueueUrl(_names.alarms_dlq))),
    ),
    EventSourceMapping(
        _names.alarms_function,
        Arn.stream(_names.alarms_stream),
        batch_size=10,
        batching_window=0,  # an alarm is sent as soon as it is read
        starting_position="TRIM_HORIZON",
        report_batch_item_failures=True,
        maximum_retry_attempts=5,
        on_failure=Arn.queue(_names.alarms_dlq),
    ),
    Subscription(_names.alarms_topic, "sqs", Arn.queue(_names.alarms_inbox), raw_message_delivery=False),
    Subscription(_names.alarms_topic, "sms", _settings.alarm.sms_number),
    Subscription(_names.alarms_topic, "email", _settings.alarm.email),
]
