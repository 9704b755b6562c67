"""Pipeline 4's step in `make demo`: generated traffic with one 5xx burst, searched once delivered.

The course buffers WebLogs for 60 s / 5 MB; the demo lowers the interval to 5 s (UpdateDestination,
as a user would in the console) so the result shows in seconds.
"""

from __future__ import annotations

from rich.console import Console

from sandbox.aws import client
from sandbox.settings import Settings
from sandbox.waiting import wait_until

DEMO_ORDER = 30  # see sandbox/demo.py

DEMO_LINES = 2000
DEMO_BUFFER_SECONDS = 5


def lower_buffering(settings: Settings, seconds: int = DEMO_BUFFER_SECONDS) -> None:
    """Set both the destination's and the transform's buffer interval to `seconds`."""
    firehose = client("firehose", settings)
    description = firehose.describe_delivery_stream(DeliveryStreamName=settings.names.weblogs_firehose)[
        "DeliveryStreamDescription"]
    destination = description["Destinations"][0]
    processing = destination["AmazonopensearchserviceDestinationDescription"]["ProcessingConfiguration"]
    for processor in processing["Processors"]:
        processor["Parameters"] = [
            {**p, "ParameterValue": str(seconds)} if p["ParameterName"] == "BufferIntervalInSeconds" else p
            for p in processor["Parameters"]
        ]
    firehose.update_destination(
        DeliveryStreamName=settings.names.weblogs_firehose,
        CurrentDeliveryStreamVersionId=description["VersionId"],
        DestinationId=destination["DestinationId"],
        AmazonopensearchserviceDestinationUpdate={
            "BufferingHints": {"IntervalInSeconds": seconds, "SizeInMBs": 5},
            "ProcessingConfiguration": processing,
        },
    )


def run(settings: Settings, console: Console) -> None:
    from generators import weblogs
    from pipelines.weblogs import search
    from pipelines.weblogs.cli import print_top

    lower_buffering(settings)
    # the burst: 20 s of 5xx errors starting 40 s into the generated window
    summary = weblogs.replay_logs(settings, count=DEMO_LINES, seed=7, burst_5xx="40:20")
    console.print(f"sent {summary['records']} log lines to {settings.names.weblogs_firehose}")
    os_client = search.client_for(settings)

    def delivered() -> object:
        os_client.indices.refresh(index="weblogs*")
        found = search.top(os_client)
        return found if found["total"] >= summary["records"] * 0.9 else None

    top = wait_until(delivered, timeout=90, interval=1.0, message="the web logs to be searchable in weblogs-*")
    print_top(console, top)
    errors = search.search(os_client, "response:[500 TO 599]", size=3)
    console.print(f"5xx sample: {[(h['@timestamp'], h['path'], h['response']) for h in errors]}", highlight=False)
    console.print(
        f"web logs: `cadabra logs search 'response:500 AND path:/checkout*'`, `cadabra logs top`, "
        f"{settings.console_url}/weblogs",
        highlight=False,
    )
