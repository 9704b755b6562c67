"""Pieces more than one localcloud package uses, written once.

- destinations.py: invocation records to SQS (cross-account), SNS or Lambda destinations;
- kinesis_shards.py: reading a Kinesis shard from moto's store (event source mappings, Firehose);
- poll_loop.py: the loop of a poller thread (stop Event, back-off on errors and empty polls).
"""
