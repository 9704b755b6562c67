"""Order producer: replays Online Retail order lines (or synthetic ones) into Kinesis `CadabraOrders`.

Emulates the course's order generator / Kinesis Agent with PutRecords through the shared Kinesis
sender (generators/senders.py: batches of up to 500 records and 5 MiB, rejected records resent with
back-off, never dropped); partition key = CustomerID so one customer's lines stay in order on one
shard.

One record per order line: the course's eight fields plus `LineNo`, the line's position within its
invoice in the source file, which makes OrderID unique and replay-stable (see the pipeline README).

`replay()` is what `cadabra replay orders` calls; `replay_records()` is the argument-parsing-free
core with an injected Kinesis client, clock and sleep.

Known gap: a record that PutRecords rejects and that is resent after later records of the same
batch succeeded lands after them on its shard (Kinesis itself behaves so); the consumer's writes are
keyed and idempotent, so the table does not depend on that order.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import itertools
import json
import random
import time
import zlib
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from generators.senders import KinesisSender, KinesisSummary, RecordTooLarge, ReplayError
from sandbox.settings import PROJECT_ROOT, Settings


SAMPLE_FILE = PROJECT_ROOT / "data" / "online_retail_sample.csv.gz"
PROFILE_FILE = PROJECT_ROOT / "data" / "online_retail_profile.json.gz"  # OrderProfile of the full data set
FULL_FILE = PROJECT_ROOT / "data" / "OnlineRetail.csv.gz"
FIELDS = ("InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country")
CSV_DATE = "%m/%d/%Y %H:%M"

Record = dict[str, Any]


# -- source records ------------------------------------------------------------------------------


def open_text(path: Path | str) -> io.TextIOBase:
    """Open a .csv or .csv.gz file as UTF-8 text."""
    path = Path(path)
    if not path.exists():
        hint = "" if path != FULL_FILE else " (the full data set ships as data/OnlineRetail.csv.gz: is the checkout complete?)"
        raise ReplayError(f"order file {path} does not exist{hint}: pass --file with a .csv or .csv.gz path")
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", newline="")  # type: ignore[return-value]
    return open(path, encoding="utf-8", newline="")


def to_record(row: dict[str, str], line_no: int) -> Record:
    """A CSV row → the JSON order record (numbers typed, blank CustomerID → null, LineNo added)."""
    missing = [name for name in FIELDS if name not in row]
    if missing:
        raise ReplayError(
            f"the order file lacks columns {missing}: it must have the Online Retail header {list(FIELDS)}"
        )
    customer = (row["CustomerID"] or "").strip()
    return {
        "InvoiceNo": row["InvoiceNo"],
        "StockCode": row["StockCode"],
        "Description": row["Description"],
        "Quantity": _int_or_text(row["Quantity"]),
        "InvoiceDate": row["InvoiceDate"],
        "UnitPrice": _float_or_text(row["UnitPrice"]),
        "CustomerID": _int_or_text(customer.removesuffix(".0")) if customer else None,
        "Country": row["Country"],
        "LineNo": line_no,
    }


def read_orders(path: Path | str) -> Iterator[Record]:
    """Records of a CSV file in file order; LineNo counts each invoice's lines from 1 (deterministic)."""
    line_numbers: Counter[str] = Counter()
    with open_text(path) as handle:
        for row in csv.DictReader(handle):
            line_numbers[row.get("InvoiceNo", "")] += 1
            yield to_record(row, line_numbers[row.get("InvoiceNo", "")])


def count_lines(path: Path | str) -> int:
    """Data lines in a CSV file (for the progress bar's total)."""
    with open_text(path) as handle:
        return max(0, sum(1 for _ in csv.reader(handle)) - 1)


def partition_key(record: Record) -> str:
    """CustomerID keeps a customer's lines in order on one shard; guest invoices key on the invoice."""
    customer = record.get("CustomerID")
    if customer is None or str(customer).strip() == "":
        return f"anonymous-{record.get('InvoiceNo', '')}"
    return str(customer)


def encode(record: Record) -> bytes:
    """One record as one JSON line ending in a newline, as the Kinesis Agent sends lines: Firehose adds
    no delimiter, so the lake (pipeline 2) gets newline-delimited JSON; JSON parsers ignore the newline."""
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _int_or_text(value: str) -> int | str:
    try:
        return int(value)
    except ValueError:
        return value  # the consumer dead-letters what is not a number; the producer does not judge


def _float_or_text(value: str) -> float | str:
    try:
        return float(value)
    except ValueError:
        return value


# -- synthetic orders ----------------------------------------------------------------------------


@dataclass
class _Weighted:
    """A discrete distribution drawn with `random.Random` (deterministic by seed)."""

    values: list[Any]
    cumulative: list[float]

    @classmethod
    def of(cls, counts: Counter) -> "_Weighted":
        items = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
        return cls([k for k, _ in items], list(itertools.accumulate(float(v) for _, v in items)))

    def draw(self, rng: random.Random) -> Any:
        return self.values[bisect_right(self.cumulative, rng.random() * self.cumulative[-1])]


@dataclass
class OrderProfile:
    """The distributions synthetic orders are drawn from, measured on a real order file."""

    countries: Counter = field(default_factory=Counter)  # invoices per country
    products: Counter = field(default_factory=Counter)  # lines per (StockCode, Description)
    prices: dict[tuple[str, str], float] = field(default_factory=dict)  # most common price per product
    quantities: Counter = field(default_factory=Counter)  # quantity of non-cancelled lines
    invoice_sizes: Counter = field(default_factory=Counter)  # lines per sales invoice
    cancel_sizes: Counter = field(default_factory=Counter)  # lines per cancellation invoice
    invoices: int = 0
    cancellations: int = 0  # invoices starting with C
    anonymous: int = 0  # invoices with a blank CustomerID
    customers: int = 0
    mean_gap_seconds: float = 60.0  # between invoices within a trading day

    @property
    def cancellation_share(self) -> float:
        return self.cancellations / self.invoices if self.invoices else 0.0

    @property
    def anonymous_share(self) -> float:
        return self.anonymous / self.invoices if self.invoices else 0.0

    @classmethod
    def from_records(cls, records: Iterable[Record]) -> "OrderProfile":
        profile = cls()
        price_counts: dict[tuple[str, str], Counter] = {}
        sizes: Counter[str] = Counter()
        invoice_country: dict[str, str] = {}
        invoice_time: dict[str, datetime] = {}
        customers: set[str] = set()
        for record in records:
            invoice = str(record["InvoiceNo"])
            product = (str(record["StockCode"]), str(record["Description"] or ""))
            sizes[invoice] += 1
            if invoice not in invoice_country:
                invoice_country[invoice] = str(record["Country"])
                invoice_time[invoice] = datetime.strptime(str(record["InvoiceDate"]), CSV_DATE)
                profile.anonymous += int(record["CustomerID"] is None)
            if record["CustomerID"] is not None:
                customers.add(str(record["CustomerID"]))
            profile.products[product] += 1
            price_counts.setdefault(product, Counter())[record["UnitPrice"]] += 1
            if not invoice.startswith("C") and isinstance(record["Quantity"], int) and record["Quantity"] > 0:
                profile.quantities[record["Quantity"]] += 1
        if not sizes:
            raise ReplayError("cannot build an order profile from an empty file")
        for invoice, size in sizes.items():
            (profile.cancel_sizes if invoice.startswith("C") else profile.invoice_sizes)[size] += 1
        profile.invoices = len(sizes)
        profile.cancellations = sum(profile.cancel_sizes.values())
        profile.countries = Counter(invoice_country.values())
        profile.prices = {p: c.most_common(1)[0][0] for p, c in price_counts.items()}
        profile.customers = len(customers)
        times = sorted(invoice_time.values())
        gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:]) if (b - a).total_seconds() <= 3600]
        profile.mean_gap_seconds = sum(gaps) / len(gaps) if gaps else 60.0
        return profile


    def to_json(self) -> dict[str, Any]:
        return {
            "countries": dict(sorted(self.countries.items())),
            "products": [
                [code, desc, n, self.prices[(code, desc)]] for (code, desc), n in sorted(self.products.items())
            ],
            "quantities": {str(k): v for k, v in sorted(self.quantities.items())},
            "invoice_sizes": {str(k): v for k, v in sorted(self.invoice_sizes.items())},
            "cancel_sizes": {str(k): v for k, v in sorted(self.cancel_sizes.items())},
            "invoices": self.invoices,
            "cancellations": self.cancellations,
            "anonymous": self.anonymous,
            "customers": self.customers,
            "mean_gap_seconds": self.mean_gap_seconds,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> "OrderProfile":
        return cls(
            countries=Counter(doc["countries"]),
            products=Counter({(code, desc): n for code, desc, n, _ in doc["products"]}),
            prices={(code, desc): price for code, desc, _, price in doc["products"]},
            quantities=Counter({int(k): v for k, v in doc["quantities"].items()}),
            invoice_sizes=Counter({int(k): v for k, v in doc["invoice_sizes"].items()}),
            cancel_sizes=Counter({int(k): v for k, v in doc["cancel_sizes"].items()}),
            invoices=doc["invoices"],
            cancellations=doc["cancellations"],
            anonymous=doc["anonymous"],
            customers=doc["customers"],
            mean_gap_seconds=doc["mean_gap_seconds"],
        )


@functools.lru_cache(maxsize=4)
def profile_of(path: str | None = None) -> OrderProfile:
    """The profile of an order file; None = the shipped profile of the full data set (PROFILE_FILE)."""
    if path is None:
        with gzip.open(PROFILE_FILE, "rt", encoding="utf-8") as handle:
            return OrderProfile.from_json(json.load(handle))
    return OrderProfile.from_records(read_orders(path))


def write_profile(source: Path | str = FULL_FILE, target: Path | str = PROFILE_FILE) -> OrderProfile:
    """Measure `source` and write the profile synthetic orders use by default (deterministic bytes)."""
    profile = OrderProfile.from_records(read_orders(source))
    payload = json.dumps(profile.to_json(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    with open(target, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as out:
        out.write(payload.encode("utf-8"))
    return profile


SYNTHETIC_FIRST_INVOICE = 600000  # above the data set's last invoice (581587)
SYNTHETIC_FIRST_CUSTOMER = 20000  # above the data set's customers (12346..18287): never mixed with real ones
SYNTHETIC_START = datetime(2011, 12, 12, 8, 0)  # the Monday after the data set ends


def synthetic_orders(profile: OrderProfile, seed: int = 0) -> Iterator[Record]:
    """An endless stream of order lines with the profile's distributions, the same for the same seed.

    Countries, products and their usual prices, quantities, invoice sizes, the share of cancellation
    invoices (C prefix, negative quantities) and of guest invoices (CustomerID null) follow the profile;
    invoices arrive with exponential gaps of the profile's mean during 08:00-20:00.
    """
    rng = random.Random(seed)
    countries = _Weighted.of(profile.countries)
    products = _Weighted.of(profile.products)
    quantities = _Weighted.of(profile.quantities or Counter({1: 1}))
    invoice_sizes = _Weighted.of(profile.invoice_sizes or Counter({1: 1}))
    cancel_sizes = _Weighted.of(profile.cancel_sizes or Counter({1: 1}))
    pool = max(1, profile.customers)
    customer_country: dict[int, str] = {}
    number = SYNTHETIC_FIRST_INVOICE
    now = SYNTHETIC_START
    while True:
        now += timedelta(seconds=rng.expovariate(1.0 / max(1.0, profile.mean_gap_seconds)))
        if now.hour >= 20:
            now = (now + timedelta(days=1)).replace(hour=8, minute=0, second=0) + timedelta(seconds=rng.random() * 600)
        cancelled = rng.random() < profile.cancellation_share
        anonymous = rng.random() < profile.anonymous_share
        customer: int | None = None
        if anonymous:
            country = countries.draw(rng)
        else:
            customer = SYNTHETIC_FIRST_CUSTOMER + rng.randrange(pool)
            country = customer_country.setdefault(customer, countries.draw(rng))
        invoice = f"C{number}" if cancelled else str(number)
        number += 1
        size = (cancel_sizes if cancelled else invoice_sizes).draw(rng)
        stamp = f"{now.month}/{now.day}/{now.year} {now.hour}:{now.minute:02d}"
        for line_no in range(1, size + 1):
            stock_code, description = products.draw(rng)
            quantity = quantities.draw(rng)
            yield {
                "InvoiceNo": invoice,
                "StockCode": stock_code,
                "Description": description,
                "Quantity": -quantity if cancelled else quantity,
                "InvoiceDate": stamp,
                "UnitPrice": profile.prices[(stock_code, description)],
                "CustomerID": customer,
                "Country": country,
                "LineNo": line_no,
            }


# -- pacing --------------------------------------------------------------------------------------


def schedule(
    records: Iterable[Record], *, rate: float | None = None, speedup: float | None = None
) -> Iterator[tuple[float, Record]]:
    """(seconds after the start when a record is due, record): `rate` per second, or the source's own
    timing compressed `speedup` times, or everything at once (neither)."""
    if rate is not None and rate <= 0:
        raise ValueError(f"rate must be positive, got {rate}")
    if speedup is not None and speedup <= 0:
        raise ValueError(f"speedup must be positive, got {speedup}")
    first: datetime | None = None
    for index, record in enumerate(records):
        if rate is not None:
            yield index / rate, record
        elif speedup is not None:
            when = datetime.strptime(str(record["InvoiceDate"]), CSV_DATE)
            first = first or when
            yield max(0.0, (when - first).total_seconds() / speedup), record
        else:
            yield 0.0, record


# -- sending -------------------------------------------------------------------------------------


@dataclass
class ReplaySummary(KinesisSummary):
    """What a replay did: the CLI prints it, tests assert on it."""

    source: str = ""
    elapsed: float = 0.0

    @property
    def rate(self) -> float:
        return self.sent / self.elapsed if self.elapsed > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "stream": self.stream,
            "sent": self.sent,
            "retried": self.retried,
            "failed": self.failed,
            "batches": self.batches,
            "elapsed_seconds": round(self.elapsed, 3),
            "rate_per_second": round(self.rate, 1),
            "shards": dict(sorted(self.shards.items())),
        }

    def render(self) -> str:
        return (
            f"sent {self.sent} order lines to {self.stream} from {self.source} in {self.elapsed:.1f}s "
            f"({self.rate:.0f}/s, {self.batches} PutRecords calls); retried {self.retried}, failed {self.failed}"
        )


def replay_records(
    client: Any,
    stream: str,
    records: Iterable[Record],
    *,
    rate: float | None = None,
    speedup: float | None = None,
    source: str = "",
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    on_sent: Callable[[int], None] | None = None,
    max_attempts: int = 12,
    base_delay: float = 0.1,
) -> ReplaySummary:
    """Send records to `stream` paced by `rate`/`speedup`, in PutRecords batches of ≤ 500 / 5 MiB.

    Records due at the same moment travel together; `on_sent(n)` reports progress after each call.
    """
    summary = ReplaySummary(source=source, stream=stream)
    sender = KinesisSender(
        client, stream, summary, max_attempts=max_attempts, base_delay=base_delay, sleep=sleep, on_sent=on_sent
    )
    start = clock()
    for due, record in schedule(records, rate=rate, speedup=speedup):
        if due > clock() - start:
            sender.flush()
            wait = due - (clock() - start)
            if wait > 0:
                sleep(wait)
        try:
            sender.add(encode(record), partition_key(record))
        except RecordTooLarge:
            raise ReplayError(f"order line {record.get('InvoiceNo')}/{record.get('StockCode')} is over 1 MiB") from None
    sender.flush()
    summary.elapsed = clock() - start
    return summary


def select_records(
    *,
    file: Path | str | None = None,
    count: int | None = None,
    burst: int | None = None,
    seed: int = 0,
    synthetic: bool = False,
) -> tuple[Iterator[Record], int | None, str]:
    """The records a replay sends, how many (None if unknown) and a label for the source."""
    if count is not None and count < 0:
        raise ValueError(f"count must be zero or more, got {count}")
    if burst is not None and burst < 1:
        raise ValueError(f"burst must be at least 1, got {burst}")
    limit = burst if burst is not None else count
    path = Path(file) if file else SAMPLE_FILE
    if synthetic:
        limit = 1000 if limit is None else limit
        records: Iterator[Record] = synthetic_orders(profile_of(str(path) if file else None), seed)
        label = f"synthetic (seed {seed}, profile of {Path(file).name if file else 'the full data set'})"
    else:
        records = read_orders(path)
        label = str(path)
        if limit is None:
            limit = count_lines(path)
    return itertools.islice(records, limit), limit, label


def replay(
    settings: Settings,
    *,
    file: Path | str | None = None,
    count: int | None = None,
    rate: float | None = None,
    speedup: float | None = None,
    burst: int | None = None,
    seed: int = 0,
    synthetic: bool = False,
    stream: str | None = None,
    progress: bool = True,
) -> ReplaySummary:
    """`cadabra replay orders`: send the sample (or `file`, or synthetic lines) to Kinesis.

    `count` limits the order lines; `rate` paces them per second; `speedup` replays the source's own
    timing X times faster; `burst` sends N lines at once (within one second) and stops.
    """
    if sum(option is not None for option in (rate, speedup, burst)) > 1:
        raise ValueError("choose one of rate, speedup and burst")
    from sandbox import aws

    records, total, label = select_records(file=file, count=count, burst=burst, seed=seed, synthetic=synthetic)
    stream_name = stream or settings.names.orders_stream
    client = aws.client("kinesis", settings)
    if not progress:
        return replay_records(client, stream_name, records, rate=rate, speedup=speedup, source=label)

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("[bold]orders → {task.fields[stream]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}/s"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ) as bar:
        task = bar.add_task("replay", total=total, stream=stream_name, rate="0")
        started = time.monotonic()
        done = 0

        def advance(n: int) -> None:
            nonlocal done
            done += n
            elapsed = max(1e-6, time.monotonic() - started)
            bar.update(task, advance=n, rate=f"{done / elapsed:.0f}")

        return replay_records(client, stream_name, records, rate=rate, speedup=speedup, source=label, on_sent=advance)


# -- the shipped sample --------------------------------------------------------------------------


def write_sample(source: Path | str = FULL_FILE, target: Path | str = SAMPLE_FILE, *, every: int = 27) -> int:
    """Write the shipped sample: whole histories of 1 in `every` customers and 1 in `every` guest
    invoices (by CRC32, so the choice is stable), plus every adjustment (A...) and discount (D) invoice.

    Whole invoices keep LineNo equal to the full file's, so the sample and the full file give the
    same OrderIDs. Returns the number of lines written.
    """
    with open_text(source) as handle:
        rows = list(csv.DictReader(handle))
    special = {r["InvoiceNo"] for r in rows if r["InvoiceNo"].startswith("A") or r["StockCode"] == "D"}

    def keep(row: dict[str, str]) -> bool:
        if row["InvoiceNo"] in special:
            return True
        key = row["CustomerID"] or row["InvoiceNo"]
        return zlib.crc32(key.encode()) % every == 0

    kept = [row for row in rows if keep(row)]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(FIELDS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(kept)
    with open(target, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as out:
        out.write(buffer.getvalue().encode("utf-8"))
    return len(kept)
