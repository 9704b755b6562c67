"""The SNS extension: topic → Lambda, HTTP(S), and the inbox of email, email-json and SMS messages.

Entry of ``sandbox/localcloud/sns/`` (name ``sns``; ``cadabra inbox`` and the console's
``/api/localcloud/sns`` show the inbox). delivery.py delivers, inbox.py records, hooks.py routes
moto's ``Subscription.publish`` to them. https://docs.aws.amazon.com/sns/latest/dg/welcome.html
"""

from __future__ import annotations

from typing import Any

from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.runtime import Runtime
from sandbox.localcloud.sns import hooks
from sandbox.localcloud.sns.delivery import SnsDelivery
from sandbox.localcloud.sns.inbox import Inbox


class SnsExtension:
    name = "sns"
    targets = hooks.TARGETS

    def __init__(self) -> None:
        self.delivery: SnsDelivery | None = None
        self._patches = seam.Patches()

    def install(self, runtime: Runtime) -> None:
        inbox = Inbox(runtime.settings)
        inbox.open()
        self.delivery = SnsDelivery(runtime.invoke, inbox, moto_publish=hooks.PUBLISH.current())
        hooks.install(self._patches, self.delivery.publish)

    def shutdown(self) -> None:
        self._patches.undo()
        if self.delivery is not None:
            self.delivery.stop()
            self.delivery.inbox.close()

    def reset(self) -> None:
        """moto forgot every topic: empty the inbox."""
        if self.delivery is not None:
            self.delivery.inbox.clear()

    def describe(self) -> list[dict[str, Any]]:
        """The inbox (email, email-json, SMS deliveries), oldest first."""
        return self.delivery.inbox.entries() if self.delivery is not None else []
