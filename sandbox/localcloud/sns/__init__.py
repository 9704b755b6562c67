"""SNS beyond moto: delivery to Lambda, HTTP(S) and an inbox, AWS's validation, answers and FIFO rules.

- extension.py: the entry LocalCloud installs (name ``sns``); hooks.py: what it replaces in moto
- delivery.py: delivery per protocol; inbox.py: the recorded email/SMS messages
- validation.py: requests AWS rejects; answers.py: attributes as AWS reports them
- fifo.py: FIFO topics' sequence numbers and deduplication; signing.py: one signing certificate per region
"""
