"""Where the data lake keeps what: the one place pipeline 2 (and pipeline 5's crawler) read it from.

Order lines land under `orders/` in Hive-style partitions by arrival hour (UTC), written by Firehose
PurchaseLogs with a custom prefix (https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html).
Records Firehose fails to deliver go under `orders-errors/`, outside `orders/`, so a crawler or a
reader of `orders/` never mistakes them for order lines. Training runs write `models/<run>/`.
"""

ORDERS_ROOT = "orders/"
ORDERS_PREFIX = (
    ORDERS_ROOT + "year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/"
)
ORDERS_ERROR_PREFIX = (
    "orders-errors/!{firehose:error-output-type}/"
    "year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/"
)
PARTITION_KEYS = ("year", "month", "day", "hour")
MODELS_ROOT = "models/"

# The course's buffering for PurchaseLogs: 60 s or 5 MB, whichever comes first; GZIP objects.
BUFFER_SECONDS = 60
BUFFER_MB = 5
COMPRESSION = "GZIP"
