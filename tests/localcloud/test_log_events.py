"""CloudWatch Logs events kept on disk past the newest few of each stream (sandbox/localcloud/log_events.py):
the same events come back, in order, through moto's GetLogEvents, FilterLogEvents and DescribeLogStreams."""

from __future__ import annotations

import copy
import time
import zipfile
from io import BytesIO

import pytest

from sandbox.aws import client
from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.log_events import LogEvents
from tests.localcloud.esm_helpers import Resources


def _event(n: int, message: str | None = None):
    event = object.__new__(seam.LogEvent)
    event.ingestion_time, event.timestamp, event.event_id = 1_800_000_000_000 + n, 1_700_000_000_000 + n, n
    event.message = message if message is not None else f"line {n} é"
    return event


def _fields(event):
    return event.ingestion_time, event.timestamp, event.event_id, event.message


def test_events_read_back_the_same_in_order_from_the_file_and_from_memory(tmp_path):
    events = LogEvents(tmp_path, lambda: object.__new__(seam.LogEvent), tail_size=3)
    written = [_event(n) for n in range(40)] + [_event(40, "lone \ud800 surrogate and ü"), _event(41, "")]
    for start in range(0, len(written), 5):
        events += written[start:start + 5]
    events.append(_event(42))
    written.append(_event(42))
    assert events._spilled.blocks > 3 and len(events._tail) < 6  # most went to the file
    assert len(events) == 43 and events
    assert [_fields(e) for e in events] == [_fields(e) for e in written]
    assert _fields(events[0]) == _fields(written[0]) and _fields(events[-1]) == _fields(written[-1])
    assert _fields(events[40]) == _fields(written[40])
    assert [_fields(e) for e in events[5:9]] == [_fields(e) for e in written[5:9]]
    with pytest.raises(IndexError):
        events[43]
    assert not LogEvents(tmp_path, lambda: None)

    copied = copy.deepcopy(events)  # as moto copies a function, and the logs backend with it, to publish a version
    assert [_fields(e) for e in copied] == [_fields(e) for e in written]
    copied.append(_event(43))
    assert (len(copied), len(events)) == (44, 43)


def test_get_filter_and_describe_read_a_stream_whose_events_spilled_to_disk(localcloud):
    logs = client("logs", localcloud.settings)
    logs.create_log_group(logGroupName="zz-spill")
    logs.create_log_stream(logGroupName="zz-spill", logStreamName="s")
    start = int(time.time() * 1000) - 60_000
    messages = [f"event {n} {'needle' if n % 100 == 7 else 'hay'}" for n in range(900)]
    for first in range(0, 900, 150):
        logs.put_log_events(logGroupName="zz-spill", logStreamName="s",
                            logEvents=[{"timestamp": start + n, "message": messages[n]} for n in range(first, first + 150)])
    [stream] = seam.backend("logs", "000000000000", "us-east-1").groups["zz-spill"].streams.values()
    assert isinstance(stream.events, LogEvents) and len(stream.events._tail) <= 256  # the rest is on disk

    got, token = [], None
    while True:
        page = logs.get_log_events(logGroupName="zz-spill", logStreamName="s", startFromHead=True, limit=200,
                                   **({"nextToken": token} if token else {}))
        if not page["events"]:
            break
        got += [(e["timestamp"], e["message"]) for e in page["events"]]
        token = page["nextForwardToken"]
    assert got == [(start + n, m) for n, m in enumerate(messages)]

    found = logs.filter_log_events(logGroupName="zz-spill", filterPattern="needle")["events"]
    assert [e["message"] for e in found] == [m for m in messages if "needle" in m]
    [described] = logs.describe_log_streams(logGroupName="zz-spill")["logStreams"]
    assert (described["firstEventTimestamp"], described["lastEventTimestamp"]) == (start, start + 899)


def test_a_function_published_at_creation_is_copied_with_the_log_events_on_disk(localcloud):
    logs = client("logs", localcloud.settings)
    logs.create_log_group(logGroupName="zz-copied")
    logs.create_log_stream(logGroupName="zz-copied", logStreamName="s")
    logs.put_log_events(logGroupName="zz-copied", logStreamName="s",
                        logEvents=[{"timestamp": int(time.time() * 1000), "message": f"m{n}"} for n in range(600)])
    code = BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return 1\n")
    created = client("lambda", localcloud.settings).create_function(
        FunctionName="zz-published", Runtime="python3.12", Handler="handler.handler", Code={"ZipFile": code.getvalue()},
        Role=Resources(localcloud.settings).role(), Publish=True)
    assert created["Version"] == "1"
    assert len(logs.get_log_events(logGroupName="zz-copied", logStreamName="s", startFromHead=True)["events"]) == 600
