"""The SNS extension's hook into moto: ``Subscription.publish`` goes to localcloud's delivery.

moto's ``Topic.publish`` calls ``Subscription.publish`` once per subscription of a
Publish/PublishBatch; the replacement hands each to delivery.py, which keeps moto's own delivery
for SQS (and protocols localcloud does not handle).
https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html
"""

from __future__ import annotations

import re
from typing import Any, Callable

from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.sns import answers, signing, validation
from sandbox.localcloud.sns.fifo import FifoTopics

PUBLISH = seam.target(
    "moto.sns.models:Subscription",
    "publish",
    "(self, message, message_id, subject=None, message_attributes=None, group_id=None, deduplication_id=None, "
    "message_structure=None)",
)
POST_DATA = seam.target(
    "moto.sns.models:Subscription", "get_post_data", "(self, message, message_id, subject, message_attributes=None)"
)
CALL = seam.target("moto.sns.responses:SNSResponse", "call_action", "(self)")
TOPIC_ATTRIBUTES = seam.target("moto.sns.responses:SNSResponse", "get_topic_attributes", "(self)")
SUBSCRIPTION_ATTRIBUTES = seam.target("moto.sns.models:SNSBackend", "get_subscription_attributes", "(self, arn)")
PUBLISH_ANSWER = seam.target("moto.sns.responses:SNSResponse", "publish", "(self)")
PUBLISH_BATCH_ANSWER = seam.target("moto.sns.responses:SNSResponse", "publish_batch", "(self)")
PAGE = seam.target("moto.sns.models:SNSBackend", "_get_values_nexttoken", "(self, values_map, next_token=None)")
TARGETS = (PUBLISH, POST_DATA, CALL, TOPIC_ATTRIBUTES, SUBSCRIPTION_ATTRIBUTES, PUBLISH_ANSWER, PUBLISH_BATCH_ANSWER,
           PAGE)
DUPLICATE_MESSAGE = re.compile(r"<message>.*?</message>", re.DOTALL)
SIGNED_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")


def install(patches: seam.Patches, deliver: Callable[..., None], fifo_topics: FifoTopics) -> None:
    """Route every subscription's publish to `deliver`; FIFO topics number their messages in `fifo_topics`."""

    def make(_original: Any) -> Any:
        def publish(subscription: Any, message: str, message_id: str, subject: str | None = None,
                    message_attributes: dict[str, Any] | None = None, group_id: str | None = None,
                    deduplication_id: str | None = None, message_structure: str | None = None) -> None:
            deliver(subscription, message, message_id, subject, message_attributes, group_id,
                    deduplication_id, message_structure)

        return publish

    patches.replace(PUBLISH, make)
    patches.replace(POST_DATA, lambda get_post_data: _signed_as_the_topic_asks(get_post_data, fifo_topics))
    patches.replace(PUBLISH_ANSWER, lambda publish: _numbered(publish, fifo_topics))
    patches.replace(PUBLISH_BATCH_ANSWER, lambda publish_batch: _numbered(publish_batch, fifo_topics))
    patches.replace(CALL, _validated_and_worded_as_aws)
    patches.replace(TOPIC_ATTRIBUTES, _topic_attributes_as_aws)
    patches.replace(PAGE, _opaque_page_tokens)
    patches.replace(SUBSCRIPTION_ATTRIBUTES, _subscription_attributes_as_aws)


def _numbered(publish: Any, fifo_topics: FifoTopics) -> Any:
    """Publish and PublishBatch to a FIFO topic answer each message's SequenceNumber."""

    def answer(response: Any) -> Any:
        result = publish(response)
        topic = response.backend.topics.get(response._get_param("TopicArn") or response._get_param("TargetArn"))
        if topic is None or not topic.fifo_topic:
            return result
        body = dict(result.result)
        if "MessageId" in body:
            body["SequenceNumber"] = fifo_topics.sequence_number(topic.arn, body["MessageId"])
        if "Successful" in body:
            body["Successful"] = [{**entry, "SequenceNumber": fifo_topics.sequence_number(topic.arn, entry["MessageId"])}
                                  for entry in body["Successful"]]
        return seam.ActionResult(body)

    return answer


def _opaque_page_tokens(get_values_nexttoken: Any) -> Any:
    """ListTopics/ListSubscriptions(ByTopic) NextToken: base64 as AWS's, not moto's bare offset.
    https://docs.aws.amazon.com/sns/latest/api/API_ListSubscriptionsByTopic.html"""

    def page(backend: Any, values_map: Any, next_token: str | None = None) -> Any:
        values, following = get_values_nexttoken(backend, values_map, answers.page_offset(next_token))
        return values, answers.page_token(following)

    return page


def _topic_attributes_as_aws(get_topic_attributes: Any) -> Any:
    def topic_attributes(response: Any) -> Any:
        result = get_topic_attributes(response)
        topic = response.backend.topics.get(response._get_param("TopicArn"))
        attributes = answers.topic_attributes(result.result["Attributes"], topic)
        return seam.ActionResult({**result.result, "Attributes": attributes})

    return topic_attributes


def _subscription_attributes_as_aws(get_subscription_attributes: Any) -> Any:
    def subscription_attributes(backend: Any, arn: str) -> dict[str, Any]:
        return answers.subscription_attributes(get_subscription_attributes(backend, arn), backend.account_id,
                                               arn.split(":")[1])

    return subscription_attributes


def _validated_and_worded_as_aws(call_action: Any) -> Any:
    """Requests AWS rejects are answered with AWS's error before moto sees them (validation.py).
    moto's XML error repeats the text in a lowercase <message> member SDKs then expose as an extra
    field; AWS's ErrorResponse has Type, Code and Message only.
    https://docs.aws.amazon.com/sns/latest/api/CommonErrors.html"""

    def call(response: Any) -> Any:
        request = validation.Request(response._get_action(), response._get_param, response.region, response.backend)
        try:
            validation.check(request)
        except validation.SnsError as error:
            status, headers, body = response.serialized(seam.ActionResult(error))
            headers, body = response._enrich_response(headers, body)
        else:
            status, headers, body = _without_half_made_subscriptions(call_action, response, request)
        if int(status) >= 400 and isinstance(body, str):
            body = DUPLICATE_MESSAGE.sub("", body)
            body = _filter_policy_reason(request.action, body)
        return status, headers, body

    return call


def _without_half_made_subscriptions(call_action: Any, response: Any, request: validation.Request) -> Any:
    """moto's Subscribe stores the subscription before it checks the attributes; a Subscribe AWS
    rejects leaves no subscription behind."""
    if request.action != "Subscribe":
        return call_action(response)
    key = (request.param("TopicArn"), request.param("Endpoint"), request.param("Protocol"))
    existed = response.backend._find_subscription(*key) is not None
    status, headers, body = call_action(response)
    if int(status) >= 400 and not existed:
        made = response.backend._find_subscription(*key)
        if made is not None:
            response.backend.subscriptions.pop(made.arn, None)
    return status, headers, body


def _filter_policy_reason(action: str, body: str) -> str:
    """A filter policy error names the Attributes of a Subscribe, the attribute itself otherwise
    (moto words some one way, some the other)."""
    if action == "Subscribe":
        return body.replace("Invalid parameter: FilterPolicy:", "Invalid parameter: Attributes Reason: FilterPolicy:")
    if action == "SetSubscriptionAttributes":
        return body.replace("Invalid parameter: Attributes Reason: FilterPolicy:", "Invalid parameter: FilterPolicy:")
    return body


def _signed_as_the_topic_asks(get_post_data: Any, fifo_topics: FifoTopics) -> Any:
    """Sign with SHA1 and SignatureVersion "1" (AWS's default) unless the topic's SignatureVersion
    is "2" (SHA256), with the region's one certificate (signing.py); the string to sign includes the
    Subject when there is one. The UnsubscribeURL
    names the subscription. A FIFO topic's notifications carry their SequenceNumber and no signature.
    https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html,
    https://docs.aws.amazon.com/sns/latest/dg/fifo-example-use-case.html"""

    def post_data(sub: Any, message: str, message_id: str, subject: str | None, message_attributes: Any = None) -> Any:
        document = get_post_data(sub, message, message_id, subject, message_attributes)
        region = sub.topic.sns_backend.region_name
        document["UnsubscribeURL"] = f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={sub.arn}"
        if getattr(sub.topic, "fifo_topic", False):
            for unsigned in ("Signature", "SignatureVersion", "SigningCertURL"):
                document.pop(unsigned, None)
            document["SequenceNumber"] = fifo_topics.sequence_number(sub.topic.arn, message_id)
            return document
        version = "2" if str(getattr(sub.topic, "signature_version", "1")) == "2" else "1"
        to_sign = "".join(f"{k}\n{document[k]}\n" for k in SIGNED_FIELDS if document.get(k) is not None)
        region_signer = signing.signer(region)
        document.update(SignatureVersion=version, Signature=region_signer.sign(to_sign, version),
                        SigningCertURL=region_signer.url)
        return document

    return post_data
