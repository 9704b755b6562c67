"""The SNS extension's hook into moto: ``Subscription.publish`` goes to localcloud's delivery.

moto's ``Topic.publish`` calls ``Subscription.publish`` once per subscription of a
Publish/PublishBatch; the replacement hands each to delivery.py, which keeps moto's own delivery
for SQS (and protocols localcloud does not handle).
https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html
"""

from __future__ import annotations

from typing import Any, Callable

from sandbox.localcloud import moto_seam as seam

PUBLISH = seam.target(
    "moto.sns.models:Subscription",
    "publish",
    "(self, message, message_id, subject=None, message_attributes=None, group_id=None, deduplication_id=None, "
    "message_structure=None)",
)
TARGETS = (PUBLISH,)


def install(patches: seam.Patches, deliver: Callable[..., None]) -> None:
    """Route every subscription's publish to `deliver`."""

    def make(_original: Any) -> Any:
        def publish(subscription: Any, message: str, message_id: str, subject: str | None = None,
                    message_attributes: dict[str, Any] | None = None, group_id: str | None = None,
                    deduplication_id: str | None = None, message_structure: str | None = None) -> None:
            deliver(subscription, message, message_id, subject, message_attributes, group_id,
                    deduplication_id, message_structure)

        return publish

    patches.replace(PUBLISH, make)
