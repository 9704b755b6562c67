"""SNS delivery: topic → Lambda (asynchronously, through the executor), HTTP(S), and an inbox for
email, email-json and SMS subscriptions; SQS stays with moto, which formats it correctly.

Hook into moto: ``moto.sns.models.Subscription.publish`` (replaced in ``install()``, restored in
``shutdown()``). moto's ``Topic.publish`` calls it once per subscription of a Publish/PublishBatch.

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
- Email, email-json, SMS: nothing leaves the machine; each delivery is recorded in an in-memory
  inbox (and in ``STATE_DIR/sns/inbox.jsonl`` so ``cadabra inbox`` in another process sees it).
- Filter policies and ``MessageStructure=json`` are applied first, as moto does.

Known gaps: no SubscriptionConfirmation for HTTP(S)/email (moto confirms at once); HTTP retries use
``HTTP_RETRY_DELAYS`` instead of the delivery policy; SMS published straight to a phone number
(no topic) stays in moto's ``sms_messages`` and is not in the inbox; no application/firehose
protocols (moto drops them silently).
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sandbox.localcloud.runtime import Runtime
from sandbox.settings import Settings, get_settings

log = logging.getLogger(__name__)

HOOK = "moto.sns.models.Subscription.publish"

INBOX_PROTOCOLS = frozenset({"email", "email-json", "sms"})
INBOX_LIMIT = 1000
HTTP_RETRY_DELAYS = (0.5, 1.0, 2.0)  # AWS's default HTTP policy: 3 retries, 20 s apart; shortened locally
HTTP_TIMEOUT_SECONDS = 5.0

_inbox: deque[dict[str, Any]] = deque(maxlen=INBOX_LIMIT)
_inbox_lock = threading.Lock()
_active: "SnsDelivery | None" = None


def inbox(settings: Settings | None = None) -> list[dict[str, Any]]:
    """Email/email-json/SMS deliveries, oldest first.

    In the process that runs localcloud this is the in-memory inbox; elsewhere (the CLI) it is read
    from the stack's ``STATE_DIR/sns/inbox.jsonl``.
    """
    if _active is not None:
        with _inbox_lock:
            return [dict(entry) for entry in _inbox]
    path = _inbox_file(settings or get_settings())
    if not path.exists():
        return []
    entries = []
    for line in path.read_text().splitlines():
        if line.strip():
            entries.append(json.loads(line))
    return entries[-INBOX_LIMIT:]


def _inbox_file(settings: Settings) -> Path:
    return settings.state_dir / "sns" / "inbox.jsonl"


class SnsDelivery:
    """The extension: delivers notifications moto would drop or deliver synchronously."""

    name = "sns"

    def __init__(self) -> None:
        self.runtime: Runtime | None = None
        self._original_publish: Any = None
        self._http: ThreadPoolExecutor | None = None
        self._stop = threading.Event()
        self._file_lock = threading.Lock()
        self._inbox_path: Path | None = None

    def install(self, runtime: Runtime) -> None:
        global _active
        from moto.sns.models import Subscription

        self.runtime = runtime
        self._inbox_path = _inbox_file(runtime.settings)
        self._inbox_path.parent.mkdir(parents=True, exist_ok=True)
        self._inbox_path.write_text("")  # a new stack starts with an empty inbox, as moto's state does
        with _inbox_lock:
            _inbox.clear()
        self._http = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sns-http")
        self._original_publish = Subscription.publish
        delivery = self

        def publish(subscription: Any, message: str, message_id: str, subject: str | None = None,
                    message_attributes: dict[str, Any] | None = None, group_id: str | None = None,
                    deduplication_id: str | None = None, message_structure: str | None = None) -> None:
            delivery._publish(subscription, message, message_id, subject, message_attributes, group_id,
                              deduplication_id, message_structure)

        publish.__doc__ = f"localcloud's replacement for {HOOK}."
        Subscription.publish = publish  # type: ignore[method-assign]
        _active = self

    def shutdown(self) -> None:
        global _active
        from moto.sns.models import Subscription

        if self._original_publish is not None:
            Subscription.publish = self._original_publish  # type: ignore[method-assign]
            self._original_publish = None
        self._stop.set()
        if self._http is not None:
            self._http.shutdown(wait=True, cancel_futures=True)
        if _active is self:
            _active = None

    def describe(self) -> list[dict[str, Any]]:
        """The inbox (email, email-json, SMS deliveries), oldest first."""
        with _inbox_lock:
            return [dict(entry) for entry in _inbox]

    # -- delivery ---------------------------------------------------------------------------------
    def _publish(
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
        if protocol not in INBOX_PROTOCOLS and protocol not in ("lambda", "http", "https"):
            # SQS (and what localcloud does not handle): moto's own delivery
            self._original_publish(sub, message, message_id, subject=subject, message_attributes=message_attributes,
                                   group_id=group_id, deduplication_id=deduplication_id,
                                   message_structure=message_structure)
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
        assert self.runtime is not None
        try:
            self.runtime.invoke(sub.endpoint, json.dumps({"Records": [record]}).encode(), invocation_type="Event")
        except Exception as exc:  # a missing function fails this delivery, never the Publish call
            log.warning("SNS could not deliver %s to %s: %s", message_id, sub.endpoint, exc)

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
        assert self._http is not None
        try:
            self._http.submit(self._post, sub.endpoint, body.encode(), headers)
        except RuntimeError:  # shutting down
            log.warning("SNS is stopping: notification %s to %s dropped", message_id, sub.endpoint)

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        for attempt, delay in enumerate((0.0, *HTTP_RETRY_DELAYS)):
            if delay and self._stop.wait(delay):
                return
            request = urllib.request.Request(url, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
                    if 200 <= response.status < 300:
                        return
            except (urllib.error.URLError, OSError) as exc:
                log.info("SNS delivery to %s failed (attempt %d): %s", url, attempt + 1, exc)
        log.warning("SNS gave up delivering to %s after %d attempts", url, len(HTTP_RETRY_DELAYS) + 1)

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
        with _inbox_lock:
            _inbox.append(entry)
        if self._inbox_path is not None:
            with self._file_lock, self._inbox_path.open("a") as out:
                out.write(json.dumps(entry) + "\n")


def _envelope(sub: Any, message: str, message_id: str, subject: str | None, attributes: dict[str, Any] | None) -> dict[str, Any]:
    """The signed JSON notification document (moto signs it), with this subscription's UnsubscribeURL."""
    document = sub.get_post_data(message, message_id, subject, message_attributes=attributes)
    region = sub.topic.sns_backend.region_name
    document["UnsubscribeURL"] = f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={sub.arn}"
    return document


def create() -> SnsDelivery:
    """Entry point used by LocalCloud.start()."""
    return SnsDelivery()
