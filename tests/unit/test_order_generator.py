"""Order producer: source records, synthetic orders, pacing and PutRecords batching/retries (Kinesis double)."""

from __future__ import annotations

import collections
import csv
import gzip
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from generators import orders
from generators.orders import (
    SAMPLE_FILE,
    OrderProfile,
    ReplayError,
    partition_key,
    profile_of,
    read_orders,
    replay_records,
    select_records,
    synthetic_orders,
)

HEADER = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]
ROWS = [
    ["536365", "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", "6", "12/1/2010 8:26", "2.55", "17850", "United Kingdom"],
    ["536365", "71053", "WHITE METAL LANTERN", "6", "12/1/2010 8:26", "3.39", "17850", "United Kingdom"],
    ["536365", "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", "2", "12/1/2010 8:26", "2.55", "17850", "United Kingdom"],
    ["536366", "POST", "POSTAGE", "1", "12/1/2010 8:28", "18", "", "France"],
    ["C536379", "D", "Discount", "-1", "12/1/2010 9:41", "27.5", "14527", "United Kingdom"],
    ["536367", "22633", "", "3", "12/1/2010 10:34", "0", "", "United Kingdom"],
]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


class FakeKinesis:
    """PutRecords that checks the API limits and rejects scripted records the first `reject_rounds` times."""

    def __init__(self, reject: set[str] | None = None, reject_rounds: int = 1, errors: list[Exception] | None = None):
        self.calls: list[list[dict[str, Any]]] = []
        self.stored: list[dict[str, Any]] = []
        self.reject = reject or set()
        self.reject_rounds = collections.Counter()
        self.max_rejects = reject_rounds
        self.errors = list(errors or [])

    def put_records(self, StreamName: str, Records: list[dict[str, Any]]) -> dict[str, Any]:
        assert StreamName == "CadabraOrders"
        assert 1 <= len(Records) <= 500
        assert sum(len(r["Data"]) + len(r["PartitionKey"].encode()) for r in Records) <= 5 * 1024 * 1024
        self.calls.append(Records)
        if self.errors:
            raise self.errors.pop(0)
        results, failed = [], 0
        for record in Records:
            doc = json.loads(record["Data"])
            line = (doc["InvoiceNo"], doc.get("LineNo"))
            if doc["InvoiceNo"] in self.reject and self.reject_rounds[line] < self.max_rejects:
                self.reject_rounds[line] += 1
                failed += 1
                results.append({"ErrorCode": "ProvisionedThroughputExceededException", "ErrorMessage": "slow down"})
            else:
                self.stored.append(record)
                results.append({"SequenceNumber": str(len(self.stored)), "ShardId": f"shardId-{hash(record['PartitionKey']) % 2}"})
        return {"FailedRecordCount": failed, "Records": results}


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_read_orders_types_fields_numbers_lines_within_invoice(tmp_path):
    records = list(read_orders(write_csv(tmp_path / "o.csv", ROWS)))
    assert [(r["InvoiceNo"], r["LineNo"]) for r in records] == [
        ("536365", 1), ("536365", 2), ("536365", 3), ("536366", 1), ("C536379", 1), ("536367", 1)
    ]
    assert records[0]["Quantity"] == 6 and records[0]["UnitPrice"] == 2.55 and records[0]["CustomerID"] == 17850
    assert records[3]["CustomerID"] is None and records[5]["Description"] == ""
    assert list(read_orders(write_csv(tmp_path / "o.csv.gz", ROWS))) == records


def test_missing_file_and_missing_columns_name_the_fix(tmp_path):
    with pytest.raises(ReplayError, match="--file"):
        list(read_orders(tmp_path / "nope.csv"))
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(ReplayError, match="Online Retail header"):
        list(read_orders(bad))


def test_partition_key_is_the_customer_or_a_stable_guest_key():
    assert partition_key({"CustomerID": 17850, "InvoiceNo": "536365"}) == "17850"
    assert partition_key({"CustomerID": None, "InvoiceNo": "536366"}) == "anonymous-536366"
    assert partition_key({"CustomerID": "", "InvoiceNo": "536366"}) == "anonymous-536366"


def test_shipped_sample_has_every_quirk_the_pipelines_must_handle():
    records = list(read_orders(SAMPLE_FILE))
    assert 15_000 <= len(records) <= 25_000
    keys = collections.Counter((r["InvoiceNo"], r["StockCode"]) for r in records)
    assert any(r["CustomerID"] is None for r in records)
    assert any(str(r["InvoiceNo"]).startswith("C") and r["Quantity"] < 0 for r in records)
    assert {"POST", "D", "M", "BANK CHARGES"} <= {r["StockCode"] for r in records}
    assert any(r["Description"] == "" for r in records)
    assert any(any(ord(ch) > 127 for ch in r["Description"]) for r in records)
    assert max(keys.values()) > 1  # repeated InvoiceNo + StockCode
    assert len({(r["InvoiceNo"], r["LineNo"]) for r in records}) == len(records)


def test_synthetic_orders_are_deterministic_by_seed_and_follow_the_profile():
    profile = profile_of()
    first = list(itertools.islice(synthetic_orders(profile, seed=7), 30_000))
    again = list(itertools.islice(synthetic_orders(profile, seed=7), 30_000))
    other = list(itertools.islice(synthetic_orders(profile, seed=8), 30_000))
    assert first == again and first != other
    invoices: dict[str, dict[str, Any]] = {}
    for record in first:
        invoices.setdefault(record["InvoiceNo"], record)
    share = sum(i.startswith("C") for i in invoices) / len(invoices)
    assert abs(share - profile.cancellation_share) < 0.04
    guests = sum(r["CustomerID"] is None for r in invoices.values()) / len(invoices)
    assert abs(guests - profile.anonymous_share) < 0.04
    assert all(r["Quantity"] < 0 for r in first if r["InvoiceNo"].startswith("C"))
    assert all(r["CustomerID"] is None or r["CustomerID"] >= 20000 for r in first)
    countries = collections.Counter(r["Country"] for r in invoices.values())
    assert countries.most_common(1)[0][0] == "United Kingdom"
    line_nos = collections.defaultdict(list)
    for record in first:
        line_nos[record["InvoiceNo"]].append(record["LineNo"])
    assert all(nos == list(range(1, len(nos) + 1)) for nos in line_nos.values())


def test_profile_round_trips_through_json(tmp_path):
    profile = OrderProfile.from_records(read_orders(write_csv(tmp_path / "o.csv", ROWS)))
    assert profile.invoices == 4 and profile.cancellations == 1 and profile.anonymous == 2
    assert OrderProfile.from_json(json.loads(json.dumps(profile.to_json()))).to_json() == profile.to_json()


def test_batches_hold_at_most_500_records():
    kinesis = FakeKinesis()
    records, total, _ = select_records(count=1234)
    summary = replay_records(kinesis, "CadabraOrders", records)
    assert total == 1234
    assert [len(c) for c in kinesis.calls] == [500, 500, 234]
    assert summary.sent == 1234 and summary.failed == 0 and summary.batches == 3
    sent = [json.loads(r["Data"]) for r in kinesis.stored]
    assert [(r["InvoiceNo"], r["LineNo"]) for r in sent] == [
        (r["InvoiceNo"], r["LineNo"]) for r in itertools.islice(read_orders(SAMPLE_FILE), 1234)
    ]
    assert all(r["PartitionKey"] == partition_key(json.loads(r["Data"])) for r in kinesis.stored)


def test_batches_stay_under_five_mebibytes():
    big = [{"InvoiceNo": str(i), "StockCode": "X", "Description": "d" * 400_000, "CustomerID": 1} for i in range(30)]
    kinesis = FakeKinesis()
    summary = replay_records(kinesis, "CadabraOrders", big)
    assert summary.sent == 30 and len(kinesis.calls) > 1


def test_rejected_records_are_resent_with_back_off_never_dropped():
    records = list(itertools.islice(read_orders(SAMPLE_FILE), 800))
    flaky = {records[3]["InvoiceNo"], records[600]["InvoiceNo"]}
    kinesis = FakeKinesis(reject=flaky, reject_rounds=2)
    clock = FakeClock()
    summary = replay_records(kinesis, "CadabraOrders", records, clock=clock.clock, sleep=clock.sleep)
    rejected_lines = sum(1 for r in records if r["InvoiceNo"] in flaky)
    assert summary.sent == 800 and summary.failed == 0
    assert summary.retried == 2 * rejected_lines
    stored = collections.Counter((json.loads(r["Data"])["InvoiceNo"], json.loads(r["Data"])["LineNo"]) for r in kinesis.stored)
    assert len(stored) == 800 and set(stored.values()) == {1}  # each line exactly once
    assert len(clock.sleeps) == 4 and clock.sleeps[1] > clock.sleeps[0] * 0.9  # back-off grows


def test_records_rejected_past_every_retry_are_counted_as_failed():
    records = list(itertools.islice(read_orders(SAMPLE_FILE), 10))
    kinesis = FakeKinesis(reject={records[0]["InvoiceNo"]}, reject_rounds=1000)
    clock = FakeClock()
    summary = replay_records(kinesis, "CadabraOrders", records, clock=clock.clock, sleep=clock.sleep, max_attempts=4)
    lines = sum(1 for r in records if r["InvoiceNo"] == records[0]["InvoiceNo"])
    assert summary.failed == lines and summary.sent == 10 - lines


def test_throttled_calls_are_retried_and_a_missing_stream_names_the_fix():
    throttle = ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "PutRecords")
    clock = FakeClock()
    kinesis = FakeKinesis(errors=[throttle])
    summary = replay_records(kinesis, "CadabraOrders", itertools.islice(read_orders(SAMPLE_FILE), 5),
                             clock=clock.clock, sleep=clock.sleep)
    assert summary.sent == 5 and summary.retried == 5
    missing = ClientError({"Error": {"Code": "ResourceNotFoundException"}}, "PutRecords")
    with pytest.raises(ReplayError, match="cadabra deploy"):
        replay_records(FakeKinesis(errors=[missing]), "CadabraOrders", itertools.islice(read_orders(SAMPLE_FILE), 5))


def test_rate_paces_records_per_second():
    clock = FakeClock()
    kinesis = FakeKinesis()
    summary = replay_records(kinesis, "CadabraOrders", itertools.islice(read_orders(SAMPLE_FILE), 30), rate=10,
                             clock=clock.clock, sleep=clock.sleep)
    assert summary.sent == 30
    assert clock.now == pytest.approx(2.9)
    assert summary.rate == pytest.approx(30 / 2.9)


def test_speedup_compresses_the_source_timing(tmp_path):
    rows = [r[:] for r in ROWS[:4]]
    rows[3][4] = "12/1/2010 9:26"  # one hour after the first three
    clock = FakeClock()
    kinesis = FakeKinesis()
    replay_records(kinesis, "CadabraOrders", read_orders(write_csv(tmp_path / "o.csv", rows)), speedup=60,
                   clock=clock.clock, sleep=clock.sleep)
    assert clock.now == pytest.approx(60.0)
    assert [len(c) for c in kinesis.calls] == [3, 1]  # the three lines due together travel together


def test_burst_sends_n_lines_at_once_then_stops():
    records, total, _ = select_records(burst=15, synthetic=True, seed=3)
    clock = FakeClock()
    kinesis = FakeKinesis()
    summary = replay_records(kinesis, "CadabraOrders", records, clock=clock.clock, sleep=clock.sleep)
    assert total == 15 and summary.sent == 15 and len(kinesis.calls) == 1 and clock.sleeps == []


def test_replay_rejects_conflicting_pacing_options(isolated_settings):
    with pytest.raises(ValueError, match="one of rate, speedup and burst"):
        orders.replay(isolated_settings, rate=5, burst=10, progress=False)
