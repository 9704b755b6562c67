"""AWS's wording for the DynamoDB errors moto words differently, per action.

Clients and tests match on these messages; the wording is AWS's as recorded against real AWS
(e.g. https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/CommonErrors.html gives only
the codes). Each entry: the action, a pattern over moto's message, and AWS's message (a function of
the match and the request's parameters). Only 400 answers are looked at.
"""

from __future__ import annotations

import re
from typing import Any, Callable

Wording = Callable[[re.Match[str], dict[str, Any]], str]

REWORDED: tuple[tuple[str, re.Pattern[str], Wording], ...] = (
    ("CreateTable", re.compile(r"ProvisionedThroughput cannot be specified when BillingMode is PAY_PER_REQUEST"),
     lambda _m, _r: "One or more parameter values were invalid: Neither ReadCapacityUnits nor "
                    "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"),
    ("BatchWriteItem", re.compile(r"One or more parameter values were invalid: Missing the key \S+ in the item"),
     lambda _m, _r: "The provided key element does not match the schema"),
    ("DeleteTable", re.compile(r"Requested resource not found"),
     lambda _m, request: f"Requested resource not found: Table: {request.get('TableName')} not found"),
)


def aws_message(action: str, message: str, request: dict[str, Any]) -> str | None:
    """AWS's message for moto's `message` answering `action`, or None when moto's is AWS's."""
    for reworded_action, pattern, wording in REWORDED:
        if action == reworded_action:
            match = pattern.fullmatch(message)
            if match:
                return wording(match, request)
    return None
