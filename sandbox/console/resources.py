"""The AWS resources page: streams, tables, functions, mappings, delivery streams, queues.

Everything comes from the AWS APIs through boto3 (`sandbox.aws.client`), so the page reads the
same on the embedded stack, LocalStack and real AWS. Two figures AWS keeps in CloudWatch are
taken from localcloud's own counters when it runs in the console's process:
- a function's invocations and errors: CloudWatch's AWS/Lambda metrics over the last 15 minutes
  (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html); localcloud
  publishes no metrics, so on the embedded stack the counts are since the stack started;
- a delivery stream's buffer contents (Firehose exposes only its buffering hints) and a mapping's
  iterator age per shard.
Known gap: DynamoDB's ItemCount is refreshed about every six hours on AWS (live on the sandbox).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from sandbox.aws import client
from sandbox.console.site import Site
from sandbox.settings import Settings
from sandbox.tables import short_arn

WINDOW = timedelta(minutes=15)
SECTIONS = ("streams", "tables", "functions", "mappings", "delivery_streams", "queues")


def register(site: Site) -> None:
    site.page("/resources", "AWS resources", "resources.html", order=90)

    @site.api.get("/resources")
    def api_resources() -> dict[str, Any]:
        """{section: {"rows": [...], "error": str | None}} for every section in SECTIONS."""
        readers: dict[str, Callable[[], list[dict[str, Any]]]] = {
            "streams": lambda: streams(site.settings),
            "tables": lambda: tables(site.settings),
            "functions": lambda: functions(site.settings, localcloud_rows(site.runtime, "lambda")),
            "mappings": lambda: mappings(site.settings, localcloud_rows(site.runtime, "esm")),
            "delivery_streams": lambda: delivery_streams(site.settings, localcloud_rows(site.runtime, "firehose")),
            "queues": lambda: queues(site.settings),
        }
        with ThreadPoolExecutor(max_workers=len(readers)) as pool:
            futures = {name: pool.submit(section, read) for name, read in readers.items()}
            return {name: future.result() for name, future in futures.items()}


def section(read: Callable[[], list[dict[str, Any]]]) -> dict[str, Any]:
    """A section's rows, or its error: one unreachable service does not blank the page."""
    try:
        return {"rows": read(), "error": None}
    except Exception as exc:  # noqa: BLE001 - shown on the page
        return {"rows": [], "error": f"{type(exc).__name__}: {exc}"[:300]}


def localcloud_rows(runtime: Any, name: str) -> list[dict[str, Any]] | None:
    """What localcloud's extension `name` reports when it runs in this process (None on other stacks)."""
    extensions = getattr(runtime, "extensions", None) or {}
    return extensions[name].describe() if name in extensions else None


def fold_shards(shards: list[dict[str, Any]]) -> dict[str, Any]:
    """A mapping's per-shard rows (localcloud's describe) folded into one: their count, the oldest
    iterator age, summed record and failure counts."""
    ages = [s["iterator_age_ms"] for s in shards if s.get("iterator_age_ms") is not None]
    return {"shards": len(shards), "iterator_age_ms": max(ages) if ages else None,
            "records": sum(s.get("records") or 0 for s in shards),
            "failures": sum(s.get("failures") or 0 for s in shards)}


def streams(settings: Settings) -> list[dict[str, Any]]:
    kinesis = client("kinesis", settings)
    rows = []
    for page in kinesis.get_paginator("list_streams").paginate():
        for name in page.get("StreamNames", []):
            summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
            rows.append({
                "name": name,
                "status": summary["StreamStatus"],
                "shards": summary.get("OpenShardCount"),
                "mode": (summary.get("StreamModeDetails") or {}).get("StreamMode", "PROVISIONED"),
                "retention_hours": summary.get("RetentionPeriodHours"),
                "consumers": summary.get("ConsumerCount", 0),
            })
    return rows


def tables(settings: Settings) -> list[dict[str, Any]]:
    dynamodb = client("dynamodb", settings)
    rows = []
    for page in dynamodb.get_paginator("list_tables").paginate():
        for name in page.get("TableNames", []):
            table = dynamodb.describe_table(TableName=name)["Table"]
            keys = {k["KeyType"]: k["AttributeName"] for k in table.get("KeySchema", [])}
            rows.append({
                "name": name,
                "status": table["TableStatus"],
                "items": table.get("ItemCount"),
                "bytes": table.get("TableSizeBytes"),
                "key": " / ".join(filter(None, (keys.get("HASH"), keys.get("RANGE")))),
                "stream": (table.get("StreamSpecification") or {}).get("StreamViewType") or "",
            })
    return rows


def functions(settings: Settings, local: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Functions with invocations and errors: CloudWatch's last 15 minutes, or localcloud's counters."""
    lam = client("lambda", settings)
    configs = [f for page in lam.get_paginator("list_functions").paginate() for f in page.get("Functions", [])]
    metrics = _lambda_metrics(settings, [f["FunctionName"] for f in configs])
    counters = {row["function"]: row for row in local or []}
    rows = []
    for config in configs:
        name = config["FunctionName"]
        row = {"name": name, "runtime": config.get("Runtime", ""), "memory_mb": config.get("MemorySize"),
               "timeout_s": config.get("Timeout"), "state": config.get("State", "")}
        if name in metrics:
            row.update(metrics[name], counted="last 15 min (CloudWatch)")
        elif name in counters:
            seen = counters[name]
            row.update(invocations=seen.get("invocations"), errors=seen.get("errors"),
                       counted="since the stack started (localcloud)", last_error=seen.get("last_error"))
        else:
            row.update(invocations=0 if local is not None else None, errors=0 if local is not None else None,
                       counted="since the stack started (localcloud)" if local is not None else "no metrics")
        rows.append(row)
    return rows


def _lambda_metrics(settings: Settings, names: list[str]) -> dict[str, dict[str, int]]:
    """{function: {"invocations", "errors"}} summed over WINDOW, for functions with any datapoint."""
    if not names:
        return {}
    now = datetime.now(timezone.utc)
    queries = [
        {"Id": f"{metric[0].lower()}{i}", "ReturnData": True,
         "MetricStat": {"Metric": {"Namespace": "AWS/Lambda", "MetricName": metric,
                                   "Dimensions": [{"Name": "FunctionName", "Value": name}]},
                        "Period": int(WINDOW.total_seconds()), "Stat": "Sum"}}
        for i, name in enumerate(names) for metric in ("Invocations", "Errors")
    ]
    found: dict[str, dict[str, int]] = {}
    for start in range(0, len(queries), 500):  # GetMetricData takes up to 500 queries
        answer = client("cloudwatch", settings).get_metric_data(
            MetricDataQueries=queries[start:start + 500], StartTime=now - WINDOW, EndTime=now)
        for result in answer.get("MetricDataResults", []):
            if not result.get("Values"):
                continue
            index = int(result["Id"][1:])
            key = "invocations" if result["Id"][0] == "i" else "errors"
            found.setdefault(names[index], {"invocations": 0, "errors": 0})[key] = int(sum(result["Values"]))
    return found


def mappings(settings: Settings, local: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    lam = client("lambda", settings)
    ages = {row.get("uuid"): row.get("shards") or [] for row in local or []}
    rows = []
    for page in lam.get_paginator("list_event_source_mappings").paginate():
        for m in page.get("EventSourceMappings", []):
            shards = ages.get(m["UUID"], [])
            folded = fold_shards(shards)
            rows.append({
                "uuid": m["UUID"],
                "source": short_arn(m.get("EventSourceArn")),
                "function": short_arn(m.get("FunctionArn")),
                "state": m.get("State", ""),
                "last_result": m.get("LastProcessingResult", ""),
                "batch_size": m.get("BatchSize"),
                "iterator_age_ms": folded["iterator_age_ms"],
                "records": folded["records"] if shards else None,
            })
    return rows


_DESTINATIONS = {
    "ExtendedS3DestinationDescription": "S3",
    "S3DestinationDescription": "S3",
    "AmazonopensearchserviceDestinationDescription": "OpenSearch",
    "ElasticsearchDestinationDescription": "OpenSearch",
    "RedshiftDestinationDescription": "Redshift",
    "HttpEndpointDestinationDescription": "HTTP endpoint",
}


def delivery_streams(settings: Settings, local: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Delivery streams with their buffering hints and, on the embedded stack, what they buffer now."""
    firehose = client("firehose", settings)
    buffers = {row["name"]: row for row in local or []}
    names: list[str] = []
    start: str | None = None
    while True:  # ListDeliveryStreams pages by ExclusiveStartDeliveryStreamName, no paginator
        page = firehose.list_delivery_streams(**({"ExclusiveStartDeliveryStreamName": start} if start else {}))
        names += page.get("DeliveryStreamNames", [])
        if not page.get("HasMoreDeliveryStreams") or not names:
            break
        start = names[-1]
    rows = []
    for name in names:
        described = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
        destination = (described.get("Destinations") or [{}])[0]
        kind = next((label for key, label in _DESTINATIONS.items() if key in destination), "other")
        hints = next((destination[key].get("BufferingHints") for key in _DESTINATIONS if key in destination), None) or {}
        source = (described.get("Source") or {}).get("KinesisStreamSourceDescription", {}).get("KinesisStreamARN")
        live = buffers.get(name, {})
        rows.append({
            "name": name,
            "status": described.get("DeliveryStreamStatus", ""),
            "source": short_arn(source) if source else described.get("DeliveryStreamType", ""),
            "destination": kind,
            "buffer_hint": f"{hints.get('SizeInMBs', '?')} MB / {hints.get('IntervalInSeconds', '?')} s",
            "buffered_records": live.get("buffered_records"),
            "buffered_bytes": live.get("buffered_bytes"),
            "delivered_records": live.get("delivered_records"),
            "failed_records": live.get("failed_records"),
            "last_delivery": live.get("last_delivery"),
        })
    return rows


def queues(settings: Settings) -> list[dict[str, Any]]:
    sqs = client("sqs", settings)
    rows = []
    for page in sqs.get_paginator("list_queues").paginate():
        for url in page.get("QueueUrls", []):
            attributes = sqs.get_queue_attributes(
                QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
            )["Attributes"]
            rows.append({"name": url.rsplit("/", 1)[-1],
                         "messages": int(attributes.get("ApproximateNumberOfMessages", 0)),
                         "in_flight": int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0))})
    return rows
