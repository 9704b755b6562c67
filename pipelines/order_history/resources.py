"""Pipeline 1 resources: Kinesis CadabraOrders → Lambda ProcessOrders → DynamoDB CadabraOrders (+ DLQ)."""

from sandbox.deploy.resources import Arn, EventSourceMapping, Function, Queue, QueueUrl, Stream, Table
from sandbox.settings import get_settings

_names = get_settings().names

RESOURCES = [
    Stream(_names.orders_stream, shards=get_settings().orders_shards),
    Table(_names.orders_table, hash_key=("CustomerID", "N"), range_key=("OrderID", "S")),
    Queue(_names.orders_dlq),
    Function(
        _names.orders_function,
        pipeline="order_history",
        timeout=60,
        memory=256,
        environment=(("TABLE_NAME", _names.orders_table), ("DLQ_URL", QueueUrl(_names.orders_dlq))),
    ),
    EventSourceMapping(
        _names.orders_function,
        Arn.stream(_names.orders_stream),
        batch_size=100,
        batching_window=1,
        starting_position="TRIM_HORIZON",
        bisect_on_error=True,
        report_batch_item_failures=True,
        on_failure=Arn.queue(_names.orders_dlq),
    ),
]
