"""Lambda `ProcessOrders`: Kinesis `CadabraOrders` order lines → DynamoDB table `CadabraOrders`.

Emulates the course's order-history consumer with the behaviour an event source mapping expects:
https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html (event shape, partial batch
responses: https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html)
and BatchWriteItem's rules (25 puts per call, no duplicate keys, UnprocessedItems:
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html).

This file is bundled alone into the function's zip: it uses the standard library and boto3 only.

Every record ends in exactly one of these outcomes, counted in the returned and logged summary:
- written: one item per order line, key (CustomerID, OrderID); rewriting it is idempotent;
- dead-lettered: a record that can never succeed (not JSON, CustomerID missing, blank or not a
  positive integer, unparseable numbers or date...) goes to the SQS DLQ with the original data, the
  reason and the sequence number; it never fails the batch. Guest checkouts (blank CustomerID, 25%
  of the source) land there as kind `no-customer`: the table is filed by customer, and nothing
  the stream delivered is dropped without a trace (the stream's other consumers still see them);
- failed: a transient error (throttling, 5xx, UnprocessedItems left after retries, DLQ send
  failure) reports the record in `batchItemFailures` so the mapping retries from there.

OrderID is `InvoiceNo-StockCode-LineNo` when the producer sends `LineNo` (the line's position in its
invoice in the source file), else `InvoiceNo-StockCode-h<hash of the line's content>` so course-format
records still get distinct, replay-stable keys (see README.md, "OrderID").

Speed (docs/BENCHMARKS.md, "Pipeline 1"): the SDK clients and a small thread pool live as long as the
execution environment, and a batch's BatchWriteItem and SendMessageBatch calls run concurrently.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import random
import threading
import time
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterable, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

BATCH_WRITE_LIMIT = 25  # BatchWriteItem puts per call
SQS_BATCH_LIMIT = 10  # SendMessageBatch entries per call
SQS_BATCH_BYTES = 256 * 1024  # SendMessageBatch payload limit (all entries together)
DLQ_DATA_LIMIT = 96 * 1024  # keep a dead letter well under SQS's message size limit
WRITE_THREADS = 8  # concurrent BatchWriteItem / SendMessageBatch calls of one invocation

# StockCodes that are not products: postage, discounts, manual lines, fees, samples, adjustments.
NON_PRODUCT_CODES = frozenset(
    {"POST", "DOT", "M", "C2", "D", "S", "BANK CHARGES", "AMAZONFEE", "CRUK", "PADS", "B"}
)
NON_PRODUCT_PREFIXES = ("GIFT_", "DCGS")  # StockCodes starting so are not products either

TRANSIENT_ERROR_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "Throttling",
        "RequestLimitExceeded",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "TransactionInProgressException",
        "LimitExceededException",
        "RequestThrottled",
        "KMSThrottlingException",
    }
)


class InvalidRecord(ValueError):
    """A record that can never be written; `kind` is its short reason code, the message the detail."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class OrderLine:
    """One validated order line, ready to become a DynamoDB item."""

    customer_id: int
    order_id: str
    invoice_no: str
    stock_code: str
    description: str
    quantity: int
    unit_price: Decimal
    order_date: str
    country: str
    line_no: int | None

    @property
    def is_cancellation(self) -> bool:
        return self.invoice_no.upper().startswith("C")

    @property
    def is_product(self) -> bool:
        code = self.stock_code.upper()
        return not (code in NON_PRODUCT_CODES or code.startswith(NON_PRODUCT_PREFIXES))

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity

    def to_item(self) -> dict[str, dict[str, Any]]:
        """The item in DynamoDB's typed JSON (the low-level client's format)."""
        item: dict[str, dict[str, Any]] = {
            "CustomerID": {"N": str(self.customer_id)},
            "OrderID": {"S": self.order_id},
            "InvoiceNo": {"S": self.invoice_no},
            "StockCode": {"S": self.stock_code},
            "Description": {"S": self.description},
            "Quantity": {"N": str(self.quantity)},
            "UnitPrice": {"N": _number(self.unit_price)},
            "LineTotal": {"N": _number(self.line_total)},
            "OrderDate": {"S": self.order_date},
            "Country": {"S": self.country},
            "IsCancellation": {"BOOL": self.is_cancellation},
            "IsProduct": {"BOOL": self.is_product},
        }
        if self.line_no is not None:
            item["LineNo"] = {"N": str(self.line_no)}
        return item


# -- parsing one record ------------------------------------------------------------------------


def decode_data(data: str) -> dict[str, Any]:
    """Kinesis `data` (base64) → the order object; InvalidRecord when it is not base64 JSON."""
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise InvalidRecord("not-base64", "data is not base64") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRecord("not-utf8", "data is not UTF-8 text") from None
    try:
        value = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except (json.JSONDecodeError, ValueError) as exc:
        raise InvalidRecord("not-json", f"data is not JSON ({exc})") from None
    if not isinstance(value, dict):
        raise InvalidRecord("not-object", f"data is JSON {type(value).__name__}, not an object with the order fields")
    return value


def parse_order(obj: dict[str, Any]) -> OrderLine:
    """Validate one order object; InvalidRecord (with a kind and a reason) if it can never be stored."""
    if "CustomerID" in obj:
        raw_customer = obj["CustomerID"]
    elif "Customer" in obj:  # the course's Kinesis Agent configuration named the field Customer
        raw_customer = obj["Customer"]
    else:
        raise InvalidRecord("missing-customer", "CustomerID is missing (neither CustomerID nor Customer is present)")
    if raw_customer is None or (isinstance(raw_customer, str) and not raw_customer.strip()):
        raise InvalidRecord(
            "no-customer", "CustomerID is blank (a guest checkout): the order history is filed by customer"
        )
    customer_id = parse_customer_id(raw_customer)
    invoice_no = _required_text(obj, "InvoiceNo")
    stock_code = _required_text(obj, "StockCode")
    quantity = _integer(obj.get("Quantity"), "Quantity")
    unit_price = _decimal(obj.get("UnitPrice"), "UnitPrice")
    order_date = parse_date(obj.get("InvoiceDate", obj.get("OrderDate")))
    description = _optional_text(obj.get("Description"), "Description")
    country = _optional_text(obj.get("Country"), "Country")
    line_no: int | None = None
    if obj.get("LineNo") not in (None, ""):
        line_no = _integer(obj["LineNo"], "LineNo")
        if line_no < 1:
            raise InvalidRecord("bad-line-no", f"LineNo must be a positive integer, got {obj['LineNo']!r}")
    if line_no is not None:
        order_id = f"{invoice_no}-{stock_code}-{line_no}"
    else:
        fingerprint = "\x1f".join(
            [invoice_no, stock_code, description, str(quantity), _number(unit_price), order_date, country,
             str(customer_id)]
        )
        order_id = f"{invoice_no}-{stock_code}-h{hashlib.sha256(fingerprint.encode()).hexdigest()[:10]}"
    return OrderLine(
        customer_id=customer_id,
        order_id=order_id,
        invoice_no=invoice_no,
        stock_code=stock_code,
        description=description,
        quantity=quantity,
        unit_price=unit_price,
        order_date=order_date,
        country=country,
        line_no=line_no,
    )


def parse_customer_id(value: Any) -> int:
    """A CustomerID as a positive integer; accepts 17850, "17850" and "17850.0" (spreadsheet exports)."""
    if isinstance(value, bool):
        raise InvalidRecord("bad-customer", f"CustomerID must be a positive integer, got {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidRecord("bad-customer", f"CustomerID must be a positive integer, got {value!r}") from None
    if not number.is_finite() or number != number.to_integral_value() or number < 1:
        raise InvalidRecord("bad-customer", f"CustomerID must be a positive integer, got {value!r}")
    return int(number)


_DATE_FORMATS = ("%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S")


def parse_date(value: Any) -> str:
    """`M/D/YYYY H:MM` (the CSV) or ISO 8601 → `YYYY-MM-DDTHH:MM:SS`.

    The data set has no time zone (UK local time); an ISO value with an offset is converted to UTC.
    """
    if not isinstance(value, str) or not value.strip():
        raise InvalidRecord("bad-date", f"InvoiceDate is missing or not a string: {value!r}")
    text = value.strip()
    parsed: datetime | None = None
    for fmt in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt)
            break
        except ValueError:
            continue
    if parsed is None:
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
        except ValueError:
            raise InvalidRecord("bad-date", f"InvoiceDate {value!r} is neither M/D/YYYY H:MM nor ISO 8601") from None
    if parsed.year < 1900:
        raise InvalidRecord("bad-date", f"InvoiceDate {value!r} needs a four-digit year")
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed.replace(microsecond=0).isoformat(timespec="seconds")


def _required_text(obj: dict[str, Any], name: str) -> str:
    value = obj.get(name)
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise InvalidRecord("missing-field", f"{name} is missing or blank")
    return value.strip()


def _optional_text(value: Any, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise InvalidRecord("bad-text", f"{name} must be a string, got {type(value).__name__}")
    return value.strip()


def _integer(value: Any, name: str) -> int:
    number = _decimal(value, name)
    if number != number.to_integral_value():
        raise InvalidRecord("bad-number", f"{name} must be a whole number, got {value!r}")
    return int(number)


def _decimal(value: Any, name: str) -> Decimal:
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        raise InvalidRecord("bad-number", f"{name} is missing or not a number: {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidRecord("bad-number", f"{name} is not a number: {value!r}") from None
    if not number.is_finite():
        raise InvalidRecord("bad-number", f"{name} is not a finite number: {value!r}")
    return number


def _number(value: Decimal) -> str:
    """A DynamoDB N string without exponent (2.55 * 6 → "15.30")."""
    return format(value, "f")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


# -- one batch ---------------------------------------------------------------------------------


@dataclass
class BatchSummary:
    """The per-batch counts: logged as one JSON line and returned beside batchItemFailures."""

    records: int = 0
    written: int = 0
    cancellations: int = 0
    collapsed: int = 0  # the same OrderID twice in one batch (a producer retry): written once
    dead_lettered: int = 0
    failed: int = 0
    write_retries: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "written": self.written,
            "cancellations": self.cancellations,
            "collapsed": self.collapsed,
            "dead_lettered": self.dead_lettered,
            "failed": self.failed,
            "write_retries": self.write_retries,
            "reasons": dict(sorted(self.reasons.items())),
        }


@dataclass
class _DeadLetter:
    sequence: str
    kind: str
    reason: str
    record: dict[str, Any]


def process(
    event: dict[str, Any],
    dynamodb: Any,
    sqs: Any,
    table: str,
    dlq_url: str,
    *,
    max_attempts: int = 6,
    base_delay: float = 0.05,
    sleep: Callable[[float], None] = time.sleep,
    log: Callable[[str], None] = print,
    executor: Executor | None = None,
) -> dict[str, Any]:
    """Handle one Kinesis event with injected clients; returns the partial batch response.

    The answer is `{"batchItemFailures": [{"itemIdentifier": seq}, ...], "summary": {...}}`; Lambda's
    event source mapping reads `batchItemFailures` and ignores the rest. With an `executor` the
    BatchWriteItem and SendMessageBatch calls of the batch run concurrently (the outcome is the
    same: each chunk is independent and results are collected in the batch's order).
    """
    if not table:
        raise ValueError("no table name: set TABLE_NAME on the function (the deploy sets it to CadabraOrders)")
    if not dlq_url:
        raise ValueError("no dead-letter queue: set DLQ_URL on the function to the CadabraOrdersDLQ queue URL")
    summary = BatchSummary()
    failed: set[str] = set()
    dead: list[_DeadLetter] = []
    items: dict[tuple[int, str], tuple[OrderLine, list[str]]] = {}

    for record in event.get("Records", []):
        summary.records += 1
        kinesis = record.get("kinesis") or {}
        sequence = str(kinesis.get("sequenceNumber", ""))
        try:
            line = parse_order(decode_data(kinesis.get("data", "")))
        except InvalidRecord as exc:
            dead.append(_DeadLetter(sequence, exc.kind, str(exc), record))
            continue
        key = (line.customer_id, line.order_id)
        if key in items:
            summary.collapsed += 1
            items[key][1].append(sequence)
            items[key] = (line, items[key][1])  # the later copy wins, as it would in the table
        else:
            items[key] = (line, [sequence])

    # Records that can never be written go to the DLQ; with an executor their sends start now,
    # beside the table writes (they do not depend on each other).
    dlq = _DeadLetterSender(sqs, dlq_url)
    early = _letter_batches(dead)
    pending = [executor.submit(dlq.send, batch) for batch in early] if executor is not None else None

    writer = _Writer(dynamodb, table, max_attempts, base_delay, sleep, summary)
    entries = list(items.values())
    chunks = [entries[start : start + BATCH_WRITE_LIMIT] for start in range(0, len(entries), BATCH_WRITE_LIMIT)]
    rejected: list[_DeadLetter] = []
    for chunk, outcome in zip(chunks, _map(executor, writer.write, chunks)):
        for line, sequences in chunk:
            result = outcome.get((line.customer_id, line.order_id), "failed")
            if result == "written":
                summary.written += 1
                summary.cancellations += int(line.is_cancellation)
            elif result == "failed":
                failed.update(sequences)
            else:  # DynamoDB rejected this item for good: it can never be written
                for sequence in sequences:
                    rejected.append(_DeadLetter(sequence, "rejected", result, _find_record(event, sequence)))

    sent = [future.result() for future in pending] if pending is not None else [dlq.send(b) for b in early]
    sent += _map(executor, dlq.send, _letter_batches(rejected))
    dead += rejected
    for letter in dead:
        summary.reasons[letter.kind] = summary.reasons.get(letter.kind, 0) + 1
    undelivered: set[str] = set()
    for lost, note in sent:
        undelivered.update(lost)
        if note is not None:
            log(note)
    failed.update(undelivered)
    summary.dead_lettered = sum(1 for letter in dead if letter.sequence not in undelivered)
    summary.failed = len(failed)
    log(json.dumps({"message": "ProcessOrders batch", **summary.as_dict()}, sort_keys=False))
    ordered = sorted(failed, key=_sequence_order)
    return {"batchItemFailures": [{"itemIdentifier": s} for s in ordered], "summary": summary.as_dict()}


_T = TypeVar("_T")
_R = TypeVar("_R")


def _map(executor: Executor | None, function: Callable[[_T], _R], values: list[_T]) -> Iterable[_R]:
    """`function` over `values`, results in order: concurrently when there is an executor and work
    for more than one call."""
    if executor is None or len(values) < 2:
        return map(function, values)
    return executor.map(function, values)


def _find_record(event: dict[str, Any], sequence: str) -> dict[str, Any]:
    for record in event.get("Records", []):
        if str((record.get("kinesis") or {}).get("sequenceNumber", "")) == sequence:
            return record
    return {}


def _sequence_order(sequence: str) -> tuple[int, int | str]:
    return (0, int(sequence)) if sequence.isdigit() else (1, sequence)


def _is_transient(exc: Exception) -> bool:
    if isinstance(exc, BotoCoreError):  # connection errors, timeouts
        return True
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error.get("Code") in TRANSIENT_ERROR_CODES or (isinstance(status, int) and status >= 500)
    return False


class _Writer:
    """BatchWriteItem with UnprocessedItems retried under exponential back-off with jitter."""

    def __init__(
        self, client: Any, table: str, max_attempts: int, base_delay: float, sleep: Callable, summary: BatchSummary
    ) -> None:
        self.client, self.table, self.max_attempts = client, table, max_attempts
        self.base_delay, self.sleep, self.summary = base_delay, sleep, summary
        self._lock = threading.Lock()  # chunks may be written from several threads

    def _retried(self) -> None:
        with self._lock:
            self.summary.write_retries += 1

    def _backoff(self, attempt: int) -> None:
        self.sleep(min(2.0, self.base_delay * (2**attempt)) * (0.5 + random.random() / 2))

    def write(self, chunk: list[tuple[OrderLine, list[str]]]) -> dict[tuple[int, str], str]:
        """Write ≤ 25 distinct items; → {key: "written" | "failed" | <reason it can never be written>}."""
        by_key = {(line.customer_id, line.order_id): line for line, _ in chunk}
        pending = [{"PutRequest": {"Item": line.to_item()}} for line in by_key.values()]
        outcome: dict[tuple[int, str], str] = {}
        for attempt in range(self.max_attempts):
            try:
                response = self.client.batch_write_item(RequestItems={self.table: pending})
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code")
                if code == "ResourceNotFoundException":
                    raise RuntimeError(
                        f"DynamoDB table {self.table!r} does not exist: deploy the order history pipeline "
                        "(`cadabra deploy`) or fix TABLE_NAME"
                    ) from exc
                if _is_transient(exc):
                    self._retried()
                    self._backoff(attempt)
                    continue
                # A validation error on the whole call: find the item(s) at fault one by one.
                return {**outcome, **self._write_one_by_one(pending)}
            except BotoCoreError:
                self._retried()
                self._backoff(attempt)
                continue
            unprocessed = response.get("UnprocessedItems", {}).get(self.table, [])
            left = {_key_of(r["PutRequest"]["Item"]) for r in unprocessed}
            for request in pending:
                key = _key_of(request["PutRequest"]["Item"])
                if key not in left:
                    outcome[key] = "written"
            pending = unprocessed
            if not pending:
                break
            self._retried()
            self._backoff(attempt)
        for request in pending:
            outcome[_key_of(request["PutRequest"]["Item"])] = "failed"
        return outcome

    def _write_one_by_one(self, requests: list[dict[str, Any]]) -> dict[tuple[int, str], str]:
        outcome: dict[tuple[int, str], str] = {}
        for request in requests:
            item = request["PutRequest"]["Item"]
            try:
                self.client.put_item(TableName=self.table, Item=item)
                outcome[_key_of(item)] = "written"
            except (ClientError, BotoCoreError) as exc:
                if _is_transient(exc) or not isinstance(exc, ClientError):
                    outcome[_key_of(item)] = "failed"
                else:
                    message = exc.response.get("Error", {}).get("Message", "")
                    outcome[_key_of(item)] = f"rejected by DynamoDB: {message}"
        return outcome


def _key_of(item: dict[str, dict[str, Any]]) -> tuple[int, str]:
    return (int(item["CustomerID"]["N"]), item["OrderID"]["S"])


def _dead_letter_body(letter: _DeadLetter) -> str:
    kinesis = letter.record.get("kinesis") or {}
    data = kinesis.get("data", "")
    body: dict[str, Any] = {
        "reason": letter.reason,
        "kind": letter.kind,
        "sequenceNumber": letter.sequence,
        "partitionKey": kinesis.get("partitionKey"),
        "eventSourceARN": letter.record.get("eventSourceARN"),
        "eventID": letter.record.get("eventID"),
        "approximateArrivalTimestamp": kinesis.get("approximateArrivalTimestamp"),
        "data": data if isinstance(data, str) else repr(data),
    }
    if len(body["data"]) > DLQ_DATA_LIMIT:
        body["data"] = body["data"][:DLQ_DATA_LIMIT]
        body["dataTruncated"] = True
    return json.dumps(body, default=str)


def _letter_batches(dead: list[_DeadLetter]) -> list[list[tuple[str, _DeadLetter, str]]]:
    """Dead letters as SendMessageBatch entries: ≤ 10 and ≤ 256 KiB per call."""
    batches: list[list[tuple[str, _DeadLetter, str]]] = []
    current: list[tuple[str, _DeadLetter, str]] = []
    size = 0
    for index, letter in enumerate(dead):
        body = _dead_letter_body(letter)
        if current and (len(current) == SQS_BATCH_LIMIT or size + len(body.encode()) > SQS_BATCH_BYTES):
            batches.append(current)
            current, size = [], 0
        current.append((str(index), letter, body))
        size += len(body.encode())
    if current:
        batches.append(current)
    return batches


class _DeadLetterSender:
    """SendMessageBatch of one batch of dead letters (thread-safe: it only calls the client)."""

    def __init__(self, sqs: Any, dlq_url: str) -> None:
        self.sqs, self.dlq_url = sqs, dlq_url

    def send(self, batch: list[tuple[str, _DeadLetter, str]]) -> tuple[set[str], str | None]:
        """→ (sequences not delivered, a log line or None); the caller logs, in batch order."""
        entries = [{"Id": entry_id, "MessageBody": body} for entry_id, _, body in batch]
        try:
            response = self.sqs.send_message_batch(QueueUrl=self.dlq_url, Entries=entries)
        except (ClientError, BotoCoreError) as exc:
            message = "ProcessOrders DLQ send failed; the records will be retried"
            return {letter.sequence for _, letter, _ in batch}, json.dumps({"message": message, "error": str(exc)})
        failed_ids = {entry["Id"] for entry in response.get("Failed", [])}
        note = None
        if failed_ids:
            codes = sorted({entry.get("Code", "?") for entry in response.get("Failed", [])})
            message = "ProcessOrders DLQ rejected entries; the records will be retried"
            note = json.dumps({"message": message, "codes": codes})
        return {letter.sequence for entry_id, letter, _ in batch if entry_id in failed_ids}, note


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda entry point: clients from the function's environment (TABLE_NAME, DLQ_URL).

    boto3 honours AWS_ENDPOINT_URL itself, so the same zip runs in localcloud, LocalStack and AWS.
    """
    import boto3

    table = os.environ.get("TABLE_NAME")
    dlq_url = os.environ.get("DLQ_URL")
    if not table or not dlq_url:
        raise RuntimeError("ProcessOrders needs TABLE_NAME and DLQ_URL in its environment: redeploy the pipeline")
    return process(
        event, _client(boto3, "dynamodb"), _client(boto3, "sqs"), table, dlq_url, executor=_executor()
    )


_CLIENTS: dict[tuple[Any, ...], Any] = {}
_EXECUTOR: list[ThreadPoolExecutor] = []


def _executor() -> ThreadPoolExecutor:
    """The environment's thread pool for concurrent writes (made on first use, kept while warm)."""
    if not _EXECUTOR:
        _EXECUTOR.append(ThreadPoolExecutor(WRITE_THREADS, thread_name_prefix="ProcessOrders-write"))
    return _EXECUTOR[0]


def _client(boto3: Any, service: str) -> Any:
    """One client per service for the life of the execution environment (AWS's advice: create SDK
    clients once, outside the per-invocation path; a new client costs tens of milliseconds)."""
    from botocore.config import Config

    key = (service, boto3.client, os.environ.get("AWS_ENDPOINT_URL"), os.environ.get("AWS_REGION"))
    found = _CLIENTS.get(key)
    if found is None:
        config = Config(retries={"max_attempts": 3, "mode": "standard"}, max_pool_connections=WRITE_THREADS * 2)
        found = _CLIENTS[key] = boto3.client(service, config=config)
    return found
