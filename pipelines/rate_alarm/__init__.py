"""Pipeline 3, transaction rate alarm: Kinesis `CadabraOrders` → Spark Structured Streaming
(`spark_jobs/order_rate_alarm.py`) → Kinesis `OrderRateAlarms` → Lambda `TransactionRateAlarm` →
SNS `CadabraAlarms` (SQS inbox, SMS, email). See README.md in this folder.
"""
