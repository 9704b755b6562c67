"""The SNS extension: topic → Lambda, HTTP(S), and the inbox of email, email-json and SMS messages.

Entry of ``sandbox/localcloud/sns/`` (name ``sns``; ``cadabra inbox`` and the console's
``/api/localcloud/sns`` show the inbox). delivery.py delivers, inbox.py records, hooks.py routes
moto's ``Subscription.publish`` to them. https://docs.aws.amazon.com/sns/latest/dg/welcome.html
"""

from __future__ import annotations

from sandbox.localcloud.runtime import Runtime
from sandbox.localcloud.service import ServiceExtension
from sandbox.localcloud.sns import hooks
from sandbox.localcloud.sns.delivery import SnsDelivery
from sandbox.localcloud.sns.inbox import Inbox


class SnsExtension(ServiceExtension):
    name = "sns"
    targets = hooks.TARGETS

    def start(self, runtime: Runtime) -> SnsDelivery:
        delivery = SnsDelivery(runtime.invoke, Inbox(runtime.settings), moto_publish=hooks.PUBLISH.current())
        hooks.install(self.patches, delivery.publish, delivery.fifo)
        return delivery
