"""Pipeline 2 resources: Firehose PurchaseLogs (reading Kinesis CadabraOrders) → s3://cadabra-datalake/orders/,
and the DynamoDB table CadabraRecommendations the training job fills and the app reads.

PurchaseLogs is a KinesisStreamAsSource delivery stream on pipeline 1's stream rather than DirectPut by
the producer (the course's Kinesis Agent wrote to both): one producer, one write per order line, and
the lake and the order table see the same records in the same order; see README.md.
"""

from pipelines.recommendations import layout
from sandbox.deploy.resources import Arn, Bucket, DeliveryStream, Table
from sandbox.settings import get_settings

_names = get_settings().names
_role = Arn.role(_names.lambda_role)

RESOURCES = [
    Bucket(_names.datalake_bucket),
    Table(_names.recommendations_table, hash_key=("CustomerID", "N")),
    DeliveryStream(
        _names.purchase_firehose,
        source_stream=_names.orders_stream,
        destination={
            "ExtendedS3DestinationConfiguration": {
                "RoleARN": _role,
                "BucketARN": Arn.bucket(_names.datalake_bucket),
                "Prefix": layout.ORDERS_PREFIX,
                "ErrorOutputPrefix": layout.ORDERS_ERROR_PREFIX,
                "BufferingHints": {"IntervalInSeconds": layout.BUFFER_SECONDS, "SizeInMBs": layout.BUFFER_MB},
                "CompressionFormat": layout.COMPRESSION,
            }
        },
    ),
]
