"""ProcessOrders handler: crafted Kinesis events against in-test DynamoDB/SQS doubles."""

from __future__ import annotations

import ast
import base64
import collections
import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from generators.orders import SAMPLE_FILE, encode, read_orders
from pipelines.order_history import handler
from pipelines.order_history.handler import parse_date, process

TABLE = "CadabraOrders"
DLQ = "http://127.0.0.1:1/000000000000/CadabraOrdersDLQ"


def line(**overrides: Any) -> dict[str, Any]:
    base = {
        "InvoiceNo": "536365",
        "StockCode": "85123A",
        "Description": "WHITE HANGING HEART T-LIGHT HOLDER",
        "Quantity": 6,
        "InvoiceDate": "12/1/2010 8:26",
        "UnitPrice": 2.55,
        "CustomerID": 17850,
        "Country": "United Kingdom",
        "LineNo": 1,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not DROP}


DROP = object()


def event(*payloads: Any, start: int = 1000) -> dict[str, Any]:
    """A Kinesis event; dicts become JSON, bytes are sent as they are, str is put raw in `data`."""
    records = []
    for offset, payload in enumerate(payloads):
        if isinstance(payload, dict):
            data = base64.b64encode(json.dumps(payload).encode()).decode()
        elif isinstance(payload, bytes):
            data = base64.b64encode(payload).decode()
        else:
            data = payload
        records.append(
            {
                "kinesis": {"partitionKey": "k", "sequenceNumber": str(start + offset), "data": data,
                            "approximateArrivalTimestamp": 1.0},
                "eventSource": "aws:kinesis",
                "eventID": f"shardId-000000000000:{start + offset}",
                "eventSourceARN": "arn:aws:kinesis:us-east-1:000000000000:stream/CadabraOrders",
            }
        )
    return {"Records": records}


def client_error(code: str, status: int = 400) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")


class FakeDynamoDB:
    """BatchWriteItem with DynamoDB's own checks (≤ 25 puts, no duplicate keys) and scripted failures."""

    def __init__(self, errors: list[Exception] | None = None, unprocessed_rounds: int = 0) -> None:
        self.table: dict[tuple[str, str], dict[str, Any]] = {}
        self.calls: list[int] = []
        self.errors = list(errors or [])
        self.unprocessed_rounds = unprocessed_rounds

    def batch_write_item(self, RequestItems: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
        (name, requests), = RequestItems.items()
        assert name == TABLE
        if len(requests) > 25:
            raise client_error("ValidationException")
        keys = [(r["PutRequest"]["Item"]["CustomerID"]["N"], r["PutRequest"]["Item"]["OrderID"]["S"]) for r in requests]
        if len(set(keys)) != len(keys):
            raise client_error("ValidationException")  # "Provided list of item keys contains duplicates"
        self.calls.append(len(requests))
        if self.errors:
            raise self.errors.pop(0)
        if self.unprocessed_rounds:
            self.unprocessed_rounds -= 1
            keep, left = requests[: len(requests) // 2], requests[len(requests) // 2 :]
        else:
            keep, left = requests, []
        for request in keep:
            item = request["PutRequest"]["Item"]
            self.table[(item["CustomerID"]["N"], item["OrderID"]["S"])] = item
        return {"UnprocessedItems": {TABLE: left} if left else {}}


class FakeSQS:
    def __init__(self, fail: bool = False) -> None:
        self.messages: list[dict[str, Any]] = []
        self.fail = fail

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:
        assert QueueUrl == DLQ and 1 <= len(Entries) <= 10
        if self.fail:
            raise client_error("InternalError", 500)
        self.messages.extend(json.loads(e["MessageBody"]) for e in Entries)
        return {"Successful": [{"Id": e["Id"]} for e in Entries], "Failed": []}


def run(evt: dict[str, Any], dynamodb: FakeDynamoDB | None = None, sqs: FakeSQS | None = None):
    dynamodb = dynamodb or FakeDynamoDB()
    sqs = sqs or FakeSQS()
    logs: list[str] = []
    result = process(evt, dynamodb, sqs, TABLE, DLQ, sleep=lambda s: None, log=logs.append)
    return result, dynamodb, sqs, logs


def test_a_valid_line_becomes_one_typed_item_and_a_summary_log_line():
    result, db, sqs, logs = run(event(line()))
    assert result["batchItemFailures"] == []
    item = db.table[("17850", "536365-85123A-1")]
    assert item == {
        "CustomerID": {"N": "17850"},
        "OrderID": {"S": "536365-85123A-1"},
        "InvoiceNo": {"S": "536365"},
        "StockCode": {"S": "85123A"},
        "Description": {"S": "WHITE HANGING HEART T-LIGHT HOLDER"},
        "Quantity": {"N": "6"},
        "UnitPrice": {"N": "2.55"},
        "LineTotal": {"N": "15.30"},
        "OrderDate": {"S": "2010-12-01T08:26:00"},
        "Country": {"S": "United Kingdom"},
        "IsCancellation": {"BOOL": False},
        "IsProduct": {"BOOL": True},
        "LineNo": {"N": "1"},
    }
    assert len(logs) == 1 and json.loads(logs[0])["written"] == 1
    assert sqs.messages == []


@pytest.mark.parametrize("blank", ["", "   ", None])
def test_blank_customer_is_dead_lettered_as_a_guest_order_and_the_rest_written(blank):
    result, db, sqs, _ = run(event(line(CustomerID=blank), line(LineNo=2)))
    assert result["summary"]["reasons"] == {"no-customer": 1}
    assert result["summary"]["written"] == 1 and len(db.table) == 1
    assert len(sqs.messages) == 1 and "guest checkout" in json.dumps(sqs.messages)
    assert result["batchItemFailures"] == []


def test_cancellation_is_kept_and_marked():
    result, db, _, _ = run(event(line(InvoiceNo="C536379", StockCode="D", Description="Discount", Quantity=-1, UnitPrice=27.5)))
    item = db.table[("17850", "C536379-D-1")]
    assert item["IsCancellation"] == {"BOOL": True}
    assert item["Quantity"] == {"N": "-1"} and item["LineTotal"] == {"N": "-27.5"}
    assert item["IsProduct"] == {"BOOL": False}
    assert result["summary"]["cancellations"] == 1


def test_repeated_invoice_and_stock_code_lines_stay_distinct():
    evt = event(line(LineNo=1, Quantity=1), line(LineNo=7, Quantity=1), line(LineNo=9, Quantity=3))
    result, db, _, _ = run(evt)
    assert sorted(k[1] for k in db.table) == ["536365-85123A-1", "536365-85123A-7", "536365-85123A-9"]
    assert result["summary"]["written"] == 3


def test_without_line_no_distinct_content_gets_distinct_stable_ids():
    a, b = line(LineNo=DROP, Quantity=1), line(LineNo=DROP, Quantity=2)
    _, db1, _, _ = run(event(a, b))
    _, db2, _, _ = run(event(b, start=5000))
    _, db3, _, _ = run(event(a, start=7000))
    ids = sorted(k[1] for k in db1.table)
    assert len(ids) == 2 and all(i.startswith("536365-85123A-h") for i in ids)
    assert set(db2.table) | set(db3.table) == set(db1.table)  # same id whatever the batch


def test_the_same_line_twice_in_a_batch_is_written_once_without_breaking_batch_write():
    result, db, _, _ = run(event(line(), line(), line(LineNo=2)))
    assert result["batchItemFailures"] == []
    assert result["summary"]["collapsed"] == 1 and result["summary"]["written"] == 2
    assert len(db.table) == 2


@pytest.mark.parametrize("code", ["POST", "D", "M", "BANK CHARGES", "DOT", "AMAZONFEE", "gift_0001_20"])
def test_non_product_codes_are_kept_and_flagged(code):
    _, db, _, _ = run(event(line(StockCode=code, Description="", Quantity=1, UnitPrice=18)))
    (item,) = db.table.values()
    assert item["IsProduct"] == {"BOOL": False}
    assert item["Description"] == {"S": ""} and item["StockCode"] == {"S": code}


def test_unicode_description_survives():
    _, db, _, _ = run(event(line(Description="Dotcomgiftshop Gift Voucher £40.00 – ünïcødé")))
    (item,) = db.table.values()
    assert item["Description"]["S"] == "Dotcomgiftshop Gift Voucher £40.00 – ünïcødé"


def test_customer_alias_and_numbers_as_strings_give_the_same_item():
    as_strings = line(CustomerID=DROP, Customer="17850.0", Quantity="6", UnitPrice="2.55", LineNo="1")
    _, typed, _, _ = run(event(line()))
    _, texts, _, _ = run(event(as_strings))
    assert texts.table == typed.table


@pytest.mark.parametrize(
    "value, expected",
    [
        ("12/1/2010 8:26", "2010-12-01T08:26:00"),
        ("12/9/2011 12:50", "2011-12-09T12:50:00"),
        ("2010-12-01T08:26:00", "2010-12-01T08:26:00"),
        ("2010-12-01 08:26", "2010-12-01T08:26:00"),
        ("2010-12-01T09:26:00+01:00", "2010-12-01T08:26:00"),
        ("2010-12-01T08:26:00Z", "2010-12-01T08:26:00"),
    ],
)
def test_dates_in_csv_and_iso_form(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "payload, kind",
    [
        ("%%% not base64 %%%", "not-base64"),
        (b"this is not json", "not-json"),
        (b"\xff\xfe\x00garbage", "not-utf8"),
        (b"[1, 2, 3]", "not-object"),
        (line(CustomerID=DROP), "missing-customer"),
        (line(CustomerID="abc"), "bad-customer"),
        (line(CustomerID=-5), "bad-customer"),
        (line(CustomerID=178.5), "bad-customer"),
        (line(Quantity="six"), "bad-number"),
        (line(Quantity=1.5), "bad-number"),
        (line(UnitPrice="NaN"), "bad-number"),
        (line(UnitPrice=None), "bad-number"),
        (line(InvoiceDate="yesterday"), "bad-date"),
        (line(InvoiceDate="12/1/10 8:26"), "bad-date"),
        (line(InvoiceNo=""), "missing-field"),
        (line(LineNo=0), "bad-line-no"),
    ],
)
def test_records_that_can_never_succeed_go_to_the_dlq_and_never_fail_the_batch(payload, kind):
    evt = event(line(LineNo=5), payload)
    result, db, sqs, logs = run(evt)
    assert result["batchItemFailures"] == []
    assert len(db.table) == 1  # the good line beside it is written
    (message,) = sqs.messages
    assert message["kind"] == kind and message["reason"]
    assert message["sequenceNumber"] == "1001"
    assert message["data"] == evt["Records"][1]["kinesis"]["data"]  # the original record, unchanged
    assert result["summary"]["dead_lettered"] == 1 and result["summary"]["reasons"] == {kind: 1}
    assert json.loads(logs[-1])["dead_lettered"] == 1


def test_throttling_that_outlasts_the_retries_reports_the_chunk_as_batch_item_failures():
    lines = [line(LineNo=n) for n in range(1, 31)]  # 25 + 5: two BatchWriteItem calls
    throttled = [client_error("ProvisionedThroughputExceededException")] * 6
    result, db, _, _ = run(event(*lines), FakeDynamoDB(errors=throttled))
    failures = [f["itemIdentifier"] for f in result["batchItemFailures"]]
    assert failures == [str(1000 + i) for i in range(25)]  # the first chunk; the second went through
    assert len(db.table) == 5 and result["summary"]["failed"] == 25


def test_unprocessed_items_are_retried_until_written():
    lines = [line(LineNo=n) for n in range(1, 21)]
    result, db, _, _ = run(event(*lines), FakeDynamoDB(unprocessed_rounds=2))
    assert result["batchItemFailures"] == []
    assert len(db.table) == 20 and result["summary"]["write_retries"] == 2
    assert db.calls == [20, 10, 5]


def test_unprocessed_items_left_after_every_retry_are_reported():
    result, db, _, _ = run(event(*[line(LineNo=n) for n in range(1, 9)]), FakeDynamoDB(unprocessed_rounds=99))
    assert result["batchItemFailures"]  # the mapping will retry them
    written = {k[1] for k in db.table}
    reported = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    assert len(written) + len(reported) == 8
    assert all(f"536365-85123A-{int(s) - 999}" not in written for s in reported)


def test_a_dlq_send_failure_reports_the_poison_record_for_retry():
    result, db, _, _ = run(event(line(), b"garbage"), sqs=FakeSQS(fail=True))
    assert result["batchItemFailures"] == [{"itemIdentifier": "1001"}]
    assert len(db.table) == 1 and result["summary"]["dead_lettered"] == 0


def test_batches_larger_than_25_are_split_and_dead_letters_batched_by_ten():
    evt = event(*[line(LineNo=n) for n in range(1, 61)], *[b"x"] * 23)
    result, db, sqs, _ = run(evt)
    assert db.calls == [25, 25, 10]
    assert len(sqs.messages) == 23 and result["summary"]["dead_lettered"] == 23


def test_a_missing_table_is_a_configuration_error_naming_the_fix():
    with pytest.raises(RuntimeError, match="cadabra deploy"):
        run(event(line()), FakeDynamoDB(errors=[client_error("ResourceNotFoundException")]))


def test_lambda_handler_reads_its_environment(monkeypatch):
    fakes = {"dynamodb": FakeDynamoDB(), "sqs": FakeSQS()}
    monkeypatch.setattr("boto3.client", lambda service, **_: fakes[service])
    monkeypatch.setenv("TABLE_NAME", TABLE)
    monkeypatch.setenv("DLQ_URL", DLQ)
    result = handler.lambda_handler(event(line(), b"junk"), None)
    assert result["summary"]["written"] == 1 and len(fakes["sqs"].messages) == 1
    monkeypatch.delenv("DLQ_URL")
    with pytest.raises(RuntimeError, match="DLQ_URL"):
        handler.lambda_handler(event(line()), None)


def test_handler_module_imports_only_stdlib_and_boto3():
    """It is zipped alone into the Lambda function: nothing from the project may be imported."""
    import sys

    tree = ast.parse(Path(handler.__file__).read_text())
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            roots.add(node.module.split(".")[0])
    allowed = set(sys.stdlib_module_names) | {"boto3", "botocore"}
    assert roots and roots <= allowed, roots - allowed


def _replay_sample(db: FakeDynamoDB, records: list[dict[str, Any]]) -> None:
    for start in range(0, len(records), 100):  # the mapping's BatchSize
        chunk = records[start : start + 100]
        evt = event(*[json.loads(encode(r)) for r in chunk], start=start)
        result, _, _, _ = run(evt, db)
        assert result["batchItemFailures"] == []


def test_the_shipped_sample_lands_whole_and_replays_idempotently():
    records = list(read_orders(SAMPLE_FILE))
    db = FakeDynamoDB()
    _replay_sample(db, records)
    known = [r for r in records if r["CustomerID"] is not None]
    assert len(db.table) == len(known)  # every valid line represented, none twice
    source_qty = collections.Counter()
    for r in known:
        source_qty[str(r["CustomerID"])] += r["Quantity"]
    table_qty = collections.Counter()
    for (customer, _), item in db.table.items():
        table_qty[customer] += int(item["Quantity"]["N"])
    assert table_qty == source_qty
    revenue = sum(Decimal(i["LineTotal"]["N"]) for i in db.table.values())
    assert revenue == sum(Decimal(str(r["UnitPrice"])) * r["Quantity"] for r in known)
    snapshot = copy.deepcopy(db.table)
    _replay_sample(db, records)
    assert db.table == snapshot


class PickyDynamoDB(FakeDynamoDB):
    """Rejects a whole BatchWriteItem when one item breaks a rule, as DynamoDB does (number over 38 digits)."""

    @staticmethod
    def _bad(item: dict[str, Any]) -> bool:
        return len(item["Quantity"]["N"].lstrip("-")) > 38

    def batch_write_item(self, RequestItems):
        (requests,) = RequestItems.values()
        if any(self._bad(r["PutRequest"]["Item"]) for r in requests):
            raise client_error("ValidationException")
        return super().batch_write_item(RequestItems)

    def put_item(self, TableName: str, Item: dict[str, Any]) -> dict[str, Any]:
        if self._bad(Item):
            raise client_error("ValidationException")
        self.table[(Item["CustomerID"]["N"], Item["OrderID"]["S"])] = Item
        return {}


def test_an_item_dynamodb_refuses_is_dead_lettered_and_its_neighbours_written():
    evt = event(line(LineNo=1), line(LineNo=2, Quantity="9" * 40), line(LineNo=3))
    result, db, sqs, _ = run(evt, PickyDynamoDB())
    assert result["batchItemFailures"] == []
    assert sorted(k[1] for k in db.table) == ["536365-85123A-1", "536365-85123A-3"]
    (message,) = sqs.messages
    assert message["kind"] == "rejected" and message["sequenceNumber"] == "1001"


def test_concurrent_writes_and_dead_letters_give_the_same_outcome_as_sequential_ones():
    from concurrent.futures import ThreadPoolExecutor

    lines = [line(LineNo=n, StockCode=f"S{n}") for n in range(1, 120)]
    lines += [line(LineNo=500 + n, CustomerID="") for n in range(30)]  # guest lines → DLQ
    evt = event(*lines)
    sequential, seq_db, seq_sqs, _ = run(evt)
    with ThreadPoolExecutor(4) as pool:
        db, sqs = FakeDynamoDB(), FakeSQS()
        concurrent = process(evt, db, sqs, TABLE, DLQ, sleep=lambda s: None, log=lambda m: None, executor=pool)
    assert concurrent == sequential
    assert db.table == seq_db.table and len(db.table) == 119
    assert sorted(json.dumps(m, sort_keys=True) for m in sqs.messages) == sorted(
        json.dumps(m, sort_keys=True) for m in seq_sqs.messages)
