"""Firehose delivery streams: buffering, Lambda transforms, S3 and OpenSearch destinations, Kinesis source.

- extension.py: the entry LocalCloud installs (name ``firehose``); hooks.py: its hooks into moto
- engine.py: buffers per delivery stream and the flusher thread that transforms and delivers them
- transform.py: the Lambda processor; sources.py: Kinesis stream as source (shared shard reader)
- destinations/: one module per destination type, picked from a table (s3.py, opensearch.py)
- prefixes.py + javatime.py: S3 prefixes, object keys, index rotation; records.py: records,
  buffers, error documents; store.py: S3 writes; validation.py: what AWS rejects at create/update
"""
