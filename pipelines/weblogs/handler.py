"""LogTransform: the Firehose "Apache log to JSON" data transformation for the `WebLogs` stream.

Firehose hands the function a batch of records and expects one answer per recordId:
https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html

    event  = {"invocationId", "deliveryStreamArn", "region", "records": [{"recordId", "approximateArrivalTimestamp", "data"}]}
    answer = {"records": [{"recordId", "result": "Ok" | "Dropped" | "ProcessingFailed", "data"}]}

Each record holds one Apache access-log line (combined or common format), as the Kinesis Agent and
`cadabra replay logs` send it, usually with a trailing newline. The line becomes one JSON document
for the OpenSearch index `weblogs` (base64 of JSON + "\\n", result Ok):

    host, ident, authuser, @timestamp (ISO 8601 with the line's offset), request, verb, path, query,
    httpversion, response (int), bytes (int), referrer, agent

Decisions (see pipelines/weblogs/README.md):
- `bytes` is 0 for `-`: Apache's %b writes `-` exactly when no body bytes were sent.
- `path` is the request target without its query string; `query` holds the query string (or None).
- A request that is not "VERB TARGET[ VERSION]" (a TLS probe, `-` from a timed-out connection) is
  still a valid log line: `request` keeps it, verb/path/httpversion are None.
- `host` must be an IP address (the index maps it as `ip`); a line logged with HostnameLookups keeps
  the name in `hostname` and has `host` None, so the document still indexes.
- Apache escapes `"` and `\\` inside the request, referrer and user agent as `\\"` and `\\\\`; they are
  unescaped. Other escapes (`\\xhh`, `\\n`) are kept as written.
- An empty record (only whitespace) is Dropped. A line that does not parse, undecodable base64, or a
  record holding more than one line (one record is one OpenSearch document) is ProcessingFailed with
  its data unchanged, so Firehose writes it to the S3 error output; the reason is logged.

Standard library only: this file is zipped and runs unchanged in localcloud, LocalStack and AWS.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

OK = "Ok"
DROPPED = "Dropped"
PROCESSING_FAILED = "ProcessingFailed"

# A quoted field as Apache writes it: any run of non-quote, non-backslash characters or escapes.
_QUOTED = r'"((?:[^"\\]|\\.)*)"'
_PREFIX = r"^(\S+) (\S+) (.+?) \[([^\]]+)\] "
_STATUS_BYTES = r" (\d{3}) (\d+|-)"

# Strict: every quoted field is properly escaped; referrer and agent are optional (common format).
_STRICT = re.compile(_PREFIX + _QUOTED + _STATUS_BYTES + r"(?: " + _QUOTED + r" " + _QUOTED + r")?\s*$")
# Lenient: servers that do not escape quotes (`"` inside the agent); the last quoted field runs to
# the last quote of the line.
_LENIENT = re.compile(_PREFIX + r'"(.*?)"' + _STATUS_BYTES + r' "(.*?)" "(.*)"\s*$')

_REQUEST = re.compile(r"^([A-Za-z][A-Za-z-]*) (\S+)(?: (HTTP/[0-9.]+))?$")
_TIMESTAMP = re.compile(r"^(\d{1,2})/([A-Za-z]{3})/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$")
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_ESCAPE = re.compile(r'\\(["\\])')
_HOSTNAME = re.compile(r"[A-Za-z0-9._-]+")
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # one encoder, not one per record


class LogParseError(ValueError):
    """The line is not in Apache common or combined log format."""


@lru_cache(maxsize=1024)  # a busy log repeats each second's timestamp on many lines
def parse_timestamp(raw: str) -> str:
    """`10/Oct/2000:13:55:36 -0700` -> `2000-10-10T13:55:36-07:00` (locale independent)."""
    m = _TIMESTAMP.match(raw.strip())
    if not m:
        raise LogParseError(f"timestamp {raw!r} is not dd/Mon/yyyy:HH:MM:SS +hhmm")
    day, mon, year, hh, mm, ss, sign, oh, om = m.groups()
    month = _MONTHS.get(mon.lower())
    if month is None:
        raise LogParseError(f"timestamp {raw!r} has an unknown month {mon!r}")
    offset = timedelta(hours=int(oh), minutes=int(om))
    try:
        tz = timezone(-offset if sign == "-" else offset)
        when = datetime(int(year), month, int(day), int(hh), int(mm), int(ss), tzinfo=tz)
    except ValueError as exc:
        raise LogParseError(f"timestamp {raw!r}: {exc}") from None
    return when.isoformat()


def _unescape(value: str | None) -> str | None:
    if value is None or "\\" not in value:
        return value
    return _ESCAPE.sub(r"\1", value)


@lru_cache(maxsize=4096)  # clients come back: most lines repeat a recent address
def _client_address(host: str) -> str | None:
    """The IP address in `host` (an IPv6 zone id dropped: the ip type rejects it), or None."""
    address = host.split("%", 1)[0]
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return None
    return address


def _dash(value: str | None) -> str | None:
    return None if value in (None, "-") else value


def parse_line(line: str) -> dict[str, Any]:
    """Parse one Apache common/combined log line into the document indexed in OpenSearch."""
    text = line.rstrip("\r\n")
    m = _STRICT.match(text) or _LENIENT.match(text)
    if not m:
        raise LogParseError("not an Apache common/combined log line")
    host, ident, authuser, stamp, request, status, size, referrer, agent = m.groups()
    request = _unescape(request) or ""
    doc: dict[str, Any] = {
        "host": host,
        "ident": ident,
        "authuser": authuser,
        "@timestamp": parse_timestamp(stamp),
        "request": request,
        "verb": None,
        "path": None,
        "query": None,
        "httpversion": None,
        "response": int(status),
        "bytes": 0 if size == "-" else int(size),
        "referrer": _dash(_unescape(referrer)),
        "agent": _dash(_unescape(agent)),
    }
    address = _client_address(host)
    if address is not None:
        doc["host"] = address
    else:
        if not _HOSTNAME.fullmatch(host):
            raise LogParseError(f"client host {host!r} is neither an IP address nor a host name")
        doc["host"], doc["hostname"] = None, host
    rm = _REQUEST.match(request)
    if rm:
        verb, target, version = rm.groups()
        path, sep, query = target.partition("?")
        doc.update(verb=verb.upper(), path=path, query=query if sep else None, httpversion=version)
    return doc


def transform_record(record: dict[str, Any]) -> dict[str, Any]:
    """One Firehose record in, one answer out (recordId preserved)."""
    record_id = record["recordId"]
    raw_b64 = record.get("data", "")
    try:
        raw = base64.b64decode(raw_b64, validate=True)
    except (binascii.Error, ValueError):
        print(f"ProcessingFailed {record_id}: data is not base64")
        return {"recordId": record_id, "result": PROCESSING_FAILED, "data": raw_b64}
    text = raw.decode("utf-8", errors="backslashreplace")
    lines = [part for part in text.splitlines() if part.strip()]
    if not lines:
        return {"recordId": record_id, "result": DROPPED, "data": raw_b64}
    if len(lines) > 1:
        print(f"ProcessingFailed {record_id}: record holds {len(lines)} lines; send one log line per record")
        return {"recordId": record_id, "result": PROCESSING_FAILED, "data": raw_b64}
    try:
        doc = parse_line(lines[0])
    except LogParseError as exc:
        print(f"ProcessingFailed {record_id}: {exc}: {lines[0][:200]!r}")
        return {"recordId": record_id, "result": PROCESSING_FAILED, "data": raw_b64}
    payload = (_JSON.encode(doc) + "\n").encode("utf-8")
    return {"recordId": record_id, "result": OK, "data": base64.b64encode(payload).decode("ascii")}


def lambda_handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Firehose transformation entry point: answers every record of the batch, in order."""
    output = [transform_record(record) for record in event.get("records", [])]
    counts = {OK: 0, DROPPED: 0, PROCESSING_FAILED: 0}
    for item in output:
        counts[item["result"]] += 1
    print(f"LogTransform: {len(output)} records: {counts[OK]} Ok, {counts[DROPPED]} Dropped, {counts[PROCESSING_FAILED]} ProcessingFailed")
    return {"records": output}
