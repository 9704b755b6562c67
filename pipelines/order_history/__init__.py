"""Pipeline 1, order history: producer → Kinesis `CadabraOrders` → Lambda `ProcessOrders` →
DynamoDB `CadabraOrders`, read back per customer by `app.customer_orders`.

`handler.py` is the Lambda code (bundled alone: stdlib + boto3 only); `app.py` holds the queries
the CLI, HTTP API and console share. See README.md in this folder.
"""
