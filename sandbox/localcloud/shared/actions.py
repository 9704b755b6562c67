"""Answering chosen actions of a JSON-protocol service in place of moto (Glue, Athena, Redshift Data API).

A service package's hooks.py replaces its moto response class's ``call_action`` with
``answer_actions(handlers)``: the actions named in `handlers` are answered by localcloud's engine,
every other action goes to moto unchanged. A handler gets a ``Request`` (account, region, the JSON
parameters) and returns the response document, or raises ``ApiError`` (AWS's error shape:
``__type`` and ``Message``, HTTP 400 unless said otherwise).
https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable

JSON_HEADERS = {"Content-Type": "application/x-amz-json-1.1"}


class ApiError(Exception):
    """An AWS error answer: `code` is the ``__type`` (e.g. InvalidRequestException)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass(frozen=True)
class Request:
    account_id: str
    region: str
    params: dict[str, Any]

    def get(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)

    def require(self, name: str) -> Any:
        value = self.params.get(name)
        if value in (None, ""):
            raise ApiError("ValidationException", f"1 validation error detected: Value null at '{name}' failed to satisfy constraint: Member must not be null")
        return value


Handler = Callable[[Request], dict[str, Any]]


def _encode(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.timestamp() if isinstance(value, datetime) else value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dump(document: dict[str, Any]) -> str:
    """JSON with datetimes as epoch seconds, as the JSON protocols carry timestamps."""
    return json.dumps(document, default=_encode)


def request_of(response: Any) -> Request:
    """The account, region and JSON parameters of the request a moto response object is answering."""
    try:
        params = json.loads(response.body or "{}")
    except (TypeError, ValueError):
        params = {}
    return Request(response.current_account, response.region, params if isinstance(params, dict) else {})


def answer_actions(handlers: dict[str, Handler]) -> Callable[[Any], Callable[[Any], Any]]:
    """A ``make(original)`` for ``Patches.replace`` on a response class's ``call_action``."""

    def make(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def call_action(response: Any) -> Any:
            handler = handlers.get(response._get_action())
            if handler is None:
                return original(response)
            try:
                document = handler(request_of(response))
            except ApiError as error:
                return error.status, dict(JSON_HEADERS), json.dumps({"__type": error.code, "Message": error.message, "message": error.message})
            return 200, dict(JSON_HEADERS), dump(document)

        return call_action

    return make
