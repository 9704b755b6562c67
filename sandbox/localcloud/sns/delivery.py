"""SNS delivery: topic → Lambda (asynchronously, through the executor), HTTP(S), and an inbox for
email, email-json and SMS subscriptions; SQS stays with moto, which formats it correctly.

Reached through the hook on ``Subscription.publish`` (hooks.py), once per subscription of a
Publish/PublishBatch.

AWS behaviour emulated:
- Message formats: https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html
  (the JSON notification document for SQS, HTTP(S) and email-json; ``RawMessageDelivery``).
- Lambda: https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html and
  https://docs.aws.amazon.com/sns/latest/dg/sns-lambda-as-subscriber.html — an asynchronous
  invocation whose event is ``{"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
  "EventSubscriptionArn", "Sns": {"Type": "Notification", "MessageId", "TopicArn", "Subject",
  "Message", "Timestamp", "SignatureVersion", "Signature", "SigningCertUrl", "UnsubscribeUrl",
  "MessageAttributes"}}]}``; the executor's async queue retries it as Lambda does.
- HTTP(S): https://docs.aws.amazon.com/sns/latest/dg/sns-http-https-endpoint-as-subscriber.html
  POST with the ``x-amz-sns-*`` headers, off the Publish call, retried
  (https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html) — moto posts
  synchronously inside Publish and fails the Publish when the endpoint is down.
- Email, email-json, SMS: nothing leaves the machine; each delivery is recorded in the inbox
  (inbox.py).
- Filter policies and ``MessageStructure=json`` are applied first, as moto does.

Known gaps: no SubscriptionConfirmation for HTTP(S)/email (moto confirms at once); HTTP retries use
``HTTP_RETRY_BACKOFF`` instead of the delivery policy; SMS published straight to a phone number
(no topic) stays in moto's ``sms_messages`` and is not in the inbox; no application/firehose
protocols (moto drops them silently). A message to a deleted queue goes at once to the
subscription's dead-letter queue, or is dropped (AWS retries first).
"""

from __future__ import annotations

import base64
import copy
import json
import logging
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any, Callable

from sandbox.backoff import Backoff
from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.sns import fifo
from sandbox.localcloud.sns.fifo import FifoTopics
from sandbox.localcloud.sns.inbox import Inbox

log = logging.getLogger(__name__)

INBOX_PROTOCOLS = frozenset({"email", "email-json", "sms"})
HTTP_RETRIES = 3
HTTP_RETRY_BACKOFF = Backoff(first=0.5, cap=2.0)  # AWS's default HTTP policy: 3 retries, 20 s apart; shortened locally
HTTP_TIMEOUT_SECONDS = 5.0

Invoke = Callable[..., Any]
MotoPublish = Callable[..., None]


class SnsDelivery:
    """Delivers notifications moto would drop or deliver synchronously."""

    def __init__(self, invoke: Invoke, inbox: Inbox, moto_publish: MotoPublish) -> None:
        self._invoke = invoke
        self.inbox = inbox
        self.fifo = FifoTopics()
        self._moto_publish = moto_publish
        self._http = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sns-http")
        self._stop = threading.Event()
        inbox.open()

    def stop(self) -> None:
        self._stop.set()
        self._http.shutdown(wait=True, cancel_futures=True)
        self.inbox.close()

    def reset(self) -> None:
        """moto forgot every topic: empty the inbox, forget FIFO sequence numbers and deduplication IDs."""
        self.inbox.clear()
        self.fifo.reset()

    def describe(self) -> list[dict[str, Any]]:
        """The inbox (email, email-json, SMS deliveries), oldest first."""
        return self.inbox.entries()

    def publish(
        self,
        sub: Any,
        message: str,
        message_id: str,
        subject: str | None,
        message_attributes: dict[str, Any] | None,
        group_id: str | None,
        deduplication_id: str | None,
        message_structure: str | None,
    ) -> None:
        protocol = sub.protocol
        if getattr(sub.topic, "fifo_topic", False):
            deduplication_id = fifo.deduplication_id(sub.topic, message, deduplication_id)
            if self.fifo.is_duplicate(sub.topic.arn, deduplication_id, message_id):
                return
            self.fifo.sequence_number(sub.topic.arn, message_id)
        if protocol not in INBOX_PROTOCOLS and protocol not in ("lambda", "http", "https"):
            self._to_moto(sub, message, message_id, subject, message_attributes, group_id, deduplication_id,
                          message_structure)
            return
        if sub._filter_policy_matcher is not None and not sub._filter_policy_matcher.matches(message_attributes, message):
            return
        if message_structure == "json":
            message = sub._parse_message_structure(message, protocol)
        if protocol == "lambda":
            self._to_lambda(sub, message, message_id, subject, message_attributes)
        elif protocol in ("http", "https"):
            self._to_http(sub, message, message_id, subject, message_attributes)
        else:
            self._to_inbox(sub, message, message_id, subject, message_attributes)

    def _to_moto(self, sub: Any, message: str, message_id: str, subject: str | None, attributes: dict[str, Any] | None,
                 group_id: str | None, deduplication_id: str | None, message_structure: str | None) -> None:
        """SQS (and what localcloud does not handle): moto's own delivery. A FIFO queue gets a FIFO
        topic's group and deduplication IDs, a standard queue neither; a protocol's entry of a JSON
        message structure is used only when it is a string; raw delivery keeps Binary attributes
        binary; a deleted queue fails this delivery, never the Publish call: the message goes to the
        subscription's dead-letter queue if it has one."""
        if getattr(sub.topic, "fifo_topic", False) and not sub.endpoint.endswith(".fifo"):
            group_id = deduplication_id = None  # a standard topic passes a MessageGroupId on (fair queues)
        if message_structure == "json":
            message, message_structure = _structured(message, sub.protocol), None
        if attributes and _on(sub.attributes.get("RawMessageDelivery")):
            attributes = {name: {**value, "Value": base64.b64decode(value["Value"])}
                          if value["Type"].startswith("Binary") else value for name, value in attributes.items()}
        try:
            self._moto_publish(sub, message, message_id, subject=subject, message_attributes=attributes,
                               group_id=group_id, deduplication_id=deduplication_id, message_structure=message_structure)
        except seam.SqsQueueDoesNotExist:
            dead_letter_queue = _dead_letter_queue(sub)
            log.warning("SNS could not deliver %s to %s: the queue does not exist%s", message_id, sub.endpoint,
                        f"; sent to {dead_letter_queue}" if dead_letter_queue else "")
            if dead_letter_queue:
                self._to_dead_letter_queue(sub, dead_letter_queue, message, message_id, subject, attributes,
                                           group_id, deduplication_id)

    def _to_dead_letter_queue(self, sub: Any, queue_arn: str, message: str, message_id: str, subject: str | None,
                              attributes: dict[str, Any] | None, group_id: str | None = None,
                              deduplication_id: str | None = None) -> None:
        """The undeliverable message, as the subscription would have received it, to its RedrivePolicy's
        queue (a FIFO one with the message's group and deduplication IDs).
        https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html"""
        redirected = copy.copy(sub)
        redirected.endpoint, redirected.protocol = queue_arn, "sqs"
        if not queue_arn.endswith(".fifo"):
            group_id = deduplication_id = None
        try:
            self._moto_publish(redirected, message, message_id, subject=subject, message_attributes=attributes,
                               group_id=group_id, deduplication_id=deduplication_id)
        except seam.SqsQueueDoesNotExist:
            log.warning("SNS could not send %s to the dead-letter queue %s: it does not exist", message_id, queue_arn)

    def _to_lambda(self, sub: Any, message: str, message_id: str, subject: str | None, attributes: dict[str, Any] | None) -> None:
        envelope = _envelope(sub, message, message_id, subject, attributes)
        record = {
            "EventSource": "aws:sns",
            "EventVersion": "1.0",
            "EventSubscriptionArn": sub.arn,
            "Sns": {
                "Type": "Notification",
                "MessageId": message_id,
                "TopicArn": sub.topic.arn,
                "Subject": subject,
                "Message": message,
                "Timestamp": envelope["Timestamp"],
                "SignatureVersion": envelope["SignatureVersion"],
                "Signature": envelope["Signature"],
                "SigningCertUrl": envelope["SigningCertURL"],
                "UnsubscribeUrl": envelope["UnsubscribeURL"],
                "MessageAttributes": attributes or {},
            },
        }
        try:
            self._invoke(sub.endpoint, json.dumps({"Records": [record]}).encode(), invocation_type="Event")
        except Exception as exc:  # a missing function fails this delivery, never the Publish call
            dead_letter_queue = _dead_letter_queue(sub)
            log.warning("SNS could not deliver %s to %s: %s%s", message_id, sub.endpoint, exc,
                        f"; sent to {dead_letter_queue}" if dead_letter_queue else "")
            if dead_letter_queue:
                self._to_dead_letter_queue(sub, dead_letter_queue, message, message_id, subject, attributes)

    def _to_http(self, sub: Any, message: str, message_id: str, subject: str | None, attributes: dict[str, Any] | None) -> None:
        raw = bool(sub.attributes.get("RawMessageDelivery"))
        body = message if raw else json.dumps(_envelope(sub, message, message_id, subject, attributes))
        headers = {
            "Content-Type": "text/plain; charset=UTF-8",
            "User-Agent": "Amazon Simple Notification Service Agent",
            "x-amz-sns-message-type": "Notification",
            "x-amz-sns-message-id": message_id,
            "x-amz-sns-topic-arn": sub.topic.arn,
            "x-amz-sns-subscription-arn": sub.arn,
        }
        if raw:
            headers["x-amz-sns-rawdelivery"] = "true"
        try:
            self._http.submit(self._post, sub.endpoint, body.encode(), headers)
        except RuntimeError:  # shutting down
            log.warning("SNS is stopping: notification %s to %s dropped", message_id, sub.endpoint)

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        for attempt in range(HTTP_RETRIES + 1):
            if attempt and self._stop.wait(HTTP_RETRY_BACKOFF.delay(attempt)):
                return
            request = urllib.request.Request(url, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
                    if 200 <= response.status < 300:
                        return
            except (urllib.error.URLError, OSError) as exc:
                log.info("SNS delivery to %s failed (attempt %d): %s", url, attempt + 1, exc)
        log.warning("SNS gave up delivering to %s after %d attempts", url, HTTP_RETRIES + 1)

    def _to_inbox(self, sub: Any, message: str, message_id: str, subject: str | None, attributes: dict[str, Any] | None) -> None:
        if sub.protocol == "email-json":
            message = json.dumps(_envelope(sub, message, message_id, subject, attributes))
        entry = {
            "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "protocol": sub.protocol,
            "endpoint": sub.endpoint,
            "topic": sub.topic.arn,
            "subject": subject,
            "message": message,
            "message_id": message_id,
        }
        self.inbox.add(entry)


def _on(value: Any) -> bool:
    """A boolean attribute, stored by moto as a bool or as the string it was set with."""
    return value is True or str(value).lower() == "true"


def _dead_letter_queue(sub: Any) -> str | None:
    try:
        return json.loads(sub.attributes.get("RedrivePolicy") or "{}").get("deadLetterTargetArn")
    except (TypeError, ValueError, AttributeError):
        return None


def _structured(message: str, protocol: str) -> str:
    """The protocol's entry of a JSON message structure when it is a string, else ``default``
    (Publish has checked that ``default`` exists)."""
    document = json.loads(message)
    chosen = document.get(protocol)
    return chosen if isinstance(chosen, str) else document["default"]


def _envelope(sub: Any, message: str, message_id: str, subject: str | None, attributes: dict[str, Any] | None) -> dict[str, Any]:
    """The signed JSON notification document (moto signs it), with this subscription's UnsubscribeURL."""
    document = sub.get_post_data(message, message_id, subject, message_attributes=attributes)
    region = sub.topic.sns_backend.region_name
    document["UnsubscribeURL"] = f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={sub.arn}"
    return document
