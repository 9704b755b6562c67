"""Lambda event source mappings for Kinesis, DynamoDB Streams and SQS, polled as the Lambda service does.

https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html

- extension.py: the entry LocalCloud installs (name ``esm``); hooks.py: its two hooks into moto
- reconciler.py: keeps pollers in step with moto's mapping store; reports State, LastProcessingResult
- factory.py: the only place that picks a poller
- kinesis_poller.py / dynamodb_poller.py / sqs_poller.py: read one kind of source (Kinesis through
  the shared shard reader, shared/kinesis_shards.py)
- stream_worker.py / queue_worker.py: one step of the poll loop (shared/poll_loop.py) per source kind
- sender.py: invoke the function with a batch, read partial batch responses
- failure_record.py: the OnFailure invocation record (sent by shared/destinations.py)
- model.py: states, results, the per-batch config snapshot, counters; records.py: what stream
  pollers hand the workers
"""
