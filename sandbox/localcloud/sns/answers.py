"""SNS answers in AWS's form where moto's differ (installed by hooks.py).

- GetTopicAttributes: ``SignatureVersion`` once set, no ``DeliveryPolicy`` until one is set, and the ``EffectiveDeliveryPolicy``
  AWS reports for a topic without one (its default HTTP policy):
  https://docs.aws.amazon.com/sns/latest/api/API_GetTopicAttributes.html,
  https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html
- List* NextToken: opaque base64, as AWS's (moto's is the bare offset).
- GetSubscriptionAttributes: ``SubscriptionPrincipal``, the IAM identity that subscribed:
  https://docs.aws.amazon.com/sns/latest/api/API_GetSubscriptionAttributes.html

Known gaps: the principal is the stack's one caller (moto's STS answers every access key with the
user ``moto``); a topic's effective policy once a DeliveryPolicy is set stays moto's.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

CALLER_USER = "moto"  # who moto's GetCallerIdentity says the sandbox's credentials belong to
DEFAULT_EFFECTIVE_DELIVERY_POLICY = {
    "http": {
        "defaultHealthyRetryPolicy": {
            "minDelayTarget": 20,
            "maxDelayTarget": 20,
            "numRetries": 3,
            "numMaxDelayRetries": 0,
            "numNoDelayRetries": 0,
            "numMinDelayRetries": 0,
            "backoffFunction": "linear",
        },
        "disableSubscriptionOverrides": False,
        "defaultRequestPolicy": {"headerContentType": "text/plain; charset=UTF-8"},
    }
}


def topic_attributes(attributes: dict[str, Any], topic: Any) -> dict[str, Any]:
    """moto's topic attributes as AWS reports them, with the SignatureVersion when one was set."""
    answer = dict(attributes)
    if topic is not None and getattr(topic, "signature_version", None):
        answer["SignatureVersion"] = str(topic.signature_version)
    if not answer.get("DeliveryPolicy"):
        answer.pop("DeliveryPolicy", None)
        answer["EffectiveDeliveryPolicy"] = json.dumps(DEFAULT_EFFECTIVE_DELIVERY_POLICY, separators=(",", ":"))
    return answer


def subscription_attributes(attributes: dict[str, Any], account_id: str, partition: str = "aws") -> dict[str, Any]:
    """moto's subscription attributes with the principal that subscribed."""
    return {**attributes, "SubscriptionPrincipal": f"arn:{partition}:iam::{account_id}:user/{CALLER_USER}"}


def page_token(offset: int | None) -> str | None:
    """The NextToken of the page after `offset` (None: the last page)."""
    return None if offset is None else base64.b64encode(f"offset:{offset}".encode()).decode()


def page_offset(token: str | None) -> str | None:
    """The offset a NextToken stands for (a bare offset from older answers is accepted too)."""
    if not token:
        return token
    try:
        decoded = base64.b64decode(token, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return token
    return decoded.removeprefix("offset:") if decoded.startswith("offset:") else token
