"""The Firehose delivery engine of localcloud (see sandbox/localcloud/firehose_delivery.py).

Modules: `javatime` (DateTimeFormatter patterns), `prefixes` (S3 prefixes, object keys, index
rotation), `records` (records, buffers, error documents), `transform` (the Lambda processor),
`sources` (Kinesis stream as source), `destinations/` (one module per destination type, picked from
a table), `store` (S3 writes), `engine` (buffers per delivery stream and the flusher thread).
"""
