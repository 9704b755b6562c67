"""DynamoDB beyond moto: PartiQL numbers moto's parser rejects, Kinesis streaming destinations, small answers.

- extension.py: the entry LocalCloud installs (name ``dynamodb``); hooks.py: moto's DynamoDB
  handler, backend and stream shard, DynamoDB Streams' DescribeStream
- partiql.py: PartiQL statements rewritten for moto's parser (number literals as parameters)
- kinesis_destinations.py: Enable/Describe/Update/DisableKinesisStreamingDestination and the
  delivery of item changes to the Kinesis stream

DynamoDB's answer shapes (ConsumedCapacity, TableId, WarmThroughput) stay in ``moto_answers.py``.
"""
