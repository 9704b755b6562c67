"""Kinesis beyond moto's JSON answers: the CBOR protocol and SubscribeToShard (enhanced fan-out).

- extension.py: the entry LocalCloud installs (name ``kinesis``); hooks.py: ``KinesisResponse._dispatch``
  and the shard iterators, resource policies of moto's Kinesis
- cbor.py: requests and answers in CBOR, as the Java SDK and the KCL send them
- subscriptions.py: SubscribeToShard's event stream, read from moto's shards

Sequence numbers and the PutRecord lock stay in ``moto_answers.py`` (installed for every stack).
"""
