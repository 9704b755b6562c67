"""SNS delivery beyond moto: topic → Lambda and HTTP(S), email/email-json/SMS into an inbox.

- extension.py: the entry LocalCloud installs (name ``sns``); hooks.py: ``Subscription.publish``
- delivery.py: delivery per protocol; inbox.py: the recorded email/SMS messages
"""
