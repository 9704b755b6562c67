"""Lambda event source mappings for Kinesis, DynamoDB Streams and SQS, polled as the Lambda service does.

https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html

- model.py: states, results, the per-batch config snapshot, counters (StrEnums, dataclasses)
- records.py: what stream pollers hand the workers (SourceRecord, ShardReader, StreamSource)
- backoff.py: idle, error and retry waits
- kinesis_poller.py / dynamodb_poller.py / sqs_poller.py: read one kind of source
- sender.py: invoke the function with a batch, read partial batch responses
- stream_worker.py / queue_worker.py: the loops (shutdown Event, back-off on errors and empty polls)
- destinations.py: OnFailure invocation records to SQS or SNS
- factory.py: the only place that picks a poller
- reconciler.py: keeps pollers in step with moto's mapping store
- moto_hooks.py: the two hooks into moto
"""
