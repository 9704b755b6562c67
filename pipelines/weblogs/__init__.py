"""Pipeline 4, near-real-time log analysis: Apache logs -> Firehose WebLogs (LogTransform) -> OpenSearch weblogs."""
