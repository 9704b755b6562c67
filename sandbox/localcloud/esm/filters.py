"""FilterCriteria of an event source mapping: which records reach the function.

A record is delivered when it matches any of the mapping's filter patterns (EventBridge pattern
syntax, matched with moto's EventBridge matcher through the seam). SQS `body` and Kinesis `data` are
matched as JSON when they hold a JSON object (Kinesis data base64-decoded first), as AWS does; a
Kinesis pattern names the fields of the record's `kinesis` object (`partitionKey`, `data`...), an
SQS or DynamoDB Streams pattern those of the record as delivered. Records that match no pattern are deleted (SQS) or
skipped past (streams), never delivered.
https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html

Known gaps: moto's matcher decides the operators (prefix, suffix, anything-but, numeric, exists,
cidr, $or); a pattern on a non-JSON body is not matched as a plain string.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from sandbox.localcloud import moto_seam as seam

INVALID = "Invalid filter pattern definition."


class InvalidFilter(ValueError):
    """A FilterCriteria pattern AWS rejects."""


def parse(criteria: dict[str, Any] | None) -> tuple[Any, ...]:
    """The mapping's patterns, ready to match (empty: deliver everything); raises InvalidFilter."""
    patterns = []
    for entry in (criteria or {}).get("Filters") or []:
        raw = entry.get("Pattern") if isinstance(entry, dict) else None
        try:
            parsed = json.loads(raw) if isinstance(raw, str) else None
            if not isinstance(parsed, dict):
                raise InvalidFilter(INVALID)
            seam.EventPatternParser(raw).parse()
        except (ValueError, seam.MotoRESTError) as exc:
            raise InvalidFilter(INVALID) from exc
        patterns.append(seam.EventPattern(raw, parsed))
    return tuple(patterns)


def matches(patterns: tuple[Any, ...], record: dict[str, Any]) -> bool:
    """Whether `record` (an event's Records[] entry) passes the filters."""
    if not patterns:
        return True
    view = _as_matched(record)
    return any(pattern.matches_event(view) for pattern in patterns)


def _as_matched(record: dict[str, Any]) -> dict[str, Any]:
    if "body" in record:
        body = _json_object(record["body"])
        return {**record, "body": body} if body is not None else record
    kinesis = record.get("kinesis")
    if isinstance(kinesis, dict) and "data" in kinesis:
        try:
            text = base64.b64decode(kinesis["data"], validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return kinesis
        data = _json_object(text)
        return {**kinesis, "data": data} if data is not None else kinesis
    return record


def _json_object(text: Any) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None
