"""Pieces more than one localcloud package uses, written once.

- actions.py: answering chosen actions of a JSON-protocol service (Glue, Athena, Redshift Data API);
- catalog_tables.py: a Data Catalog table's rows read from S3 (Athena, Redshift Spectrum), per region;
- destinations.py: invocation records to SQS (cross-account), SNS, Lambda or S3 destinations, and
  dead letters of asynchronous invocations;
- glue_types.py: Glue column types as pyarrow types, and values coerced to them;
- kinesis_shards.py: reading a Kinesis shard from moto's store (event source mappings, Firehose);
- poll_loop.py: the loop of a poller thread (stop Event, back-off on errors and empty polls);
- s3_objects.py: listing and reading S3 objects (crawler, Athena, COPY, Spectrum): in-process from
  moto when this process serves the stack's S3, else through the S3 API.
"""
