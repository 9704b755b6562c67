"""SNS answers in AWS's form where moto's differ (installed by hooks.py).

- GetTopicAttributes: ``SignatureVersion`` once set, no ``DeliveryPolicy`` until one is set, and the ``EffectiveDeliveryPolicy``
  AWS reports for a topic without one (its default HTTP policy):
  https://docs.aws.amazon.com/sns/latest/api/API_GetTopicAttributes.html,
  https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html
- GetSubscriptionAttributes: ``SubscriptionPrincipal``, the IAM identity that subscribed:
  https://docs.aws.amazon.com/sns/latest/api/API_GetSubscriptionAttributes.html

Known gaps: the principal is the stack's one caller (moto's STS answers every access key with the
user ``moto``); a topic's effective policy once a DeliveryPolicy is set stays moto's.
"""

from __future__ import annotations

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
