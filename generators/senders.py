"""The producers' senders: Kinesis PutRecords and Firehose PutRecordBatch with batching, retries and progress.

Shared by the order replay (Kinesis `CadabraOrders`), the web-log replay (Firehose `WebLogs`) and
any producer a pipeline adds (Firehose `PurchaseLogs`).

- `KinesisSender`: batches of up to 500 records and 5 MiB (data + partition keys); records the
  service rejects (`FailedRecordCount`) and throttled calls are resent with jittered exponential
  back-off, never dropped silently
  (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html,
  https://docs.aws.amazon.com/streams/latest/dev/developing-producers-with-sdk.html).
- `FirehoseSender`: batches of up to 500 records and 4 MiB, each record at most 1,000 KiB; the
  records a call reports as failed are resent with back-off
  (https://docs.aws.amazon.com/firehose/latest/APIReference/API_PutRecordBatch.html).
  `stream_to_firehose()` feeds it from any iterable (a slow or blocking one too: a batch goes out
  when full or `linger` seconds after its first record), optionally paced.

Both report progress through a callback with the number of records just delivered.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable

from botocore.exceptions import BotoCoreError, ClientError

from sandbox.backoff import Backoff

KINESIS_MAX_BATCH_RECORDS = 500  # PutRecords limit
KINESIS_MAX_BATCH_BYTES = 5 * 1024 * 1024  # PutRecords limit (data + partition keys)
KINESIS_MAX_RECORD_BYTES = 1024 * 1024  # one record's data + partition key
KINESIS_TRANSIENT_CODES = frozenset(
    {"ProvisionedThroughputExceededException", "LimitExceededException", "InternalFailure", "ServiceUnavailable",
     "ThrottlingException", "KMSThrottlingException"}
)
FIREHOSE_MAX_BATCH_RECORDS = 500
FIREHOSE_MAX_BATCH_BYTES = 4 * 1024 * 1024
FIREHOSE_MAX_RECORD_BYTES = 1000 * 1024
FIREHOSE_TRANSIENT_CODES = frozenset({"ServiceUnavailableException", "ThrottlingException", "LimitExceededException"})

Progress = Callable[[int], None]


class ReplayError(RuntimeError):
    """Kinesis cannot take the records (no stream, no endpoint); the message names the fix."""


class RecordTooLarge(ReplayError):
    """One record is over Kinesis's 1 MiB (data + partition key)."""


class DeliveryError(RuntimeError):
    """Firehose kept refusing records; nothing was dropped silently."""


def _error_code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


# -- Kinesis --------------------------------------------------------------------------------------
@dataclass
class KinesisSummary:
    """What a Kinesis sender did."""

    stream: str = ""
    sent: int = 0  # records Kinesis accepted
    retried: int = 0  # record sends repeated after a rejection or a throttled call
    failed: int = 0  # records still rejected after every retry (reported, never silently dropped)
    batches: int = 0  # PutRecords calls that carried new records
    shards: dict[str, int] = field(default_factory=dict)  # records per shard id


class KinesisSender:
    """PutRecords in batches within the API's limits, rejected records resent under exponential back-off."""

    def __init__(
        self,
        client: Any,
        stream: str,
        summary: KinesisSummary,
        *,
        max_attempts: int = 12,
        base_delay: float = 0.1,
        max_delay: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        seed: int = 0,
        on_sent: Progress | None = None,
    ) -> None:
        self.client, self.stream, self.summary = client, stream, summary
        self.max_attempts, self.sleep, self.on_sent = max_attempts, sleep, on_sent
        self.backoff = Backoff(base_delay, max_delay, jitter=True, seed=seed)
        self._batch: list[dict[str, Any]] = []
        self._size = 0

    def add(self, data: bytes, key: str) -> None:
        """Queue one record; a full batch goes out first."""
        entry_bytes = len(data) + len(key.encode())
        if entry_bytes > KINESIS_MAX_RECORD_BYTES:
            raise RecordTooLarge(f"a record of {entry_bytes} bytes (data + partition key {key!r}) is over Kinesis's 1 MiB")
        if len(self._batch) == KINESIS_MAX_BATCH_RECORDS or self._size + entry_bytes > KINESIS_MAX_BATCH_BYTES:
            self.flush()
        self._batch.append({"Data": data, "PartitionKey": key})
        self._size += entry_bytes

    def flush(self) -> None:
        """Send the queued records (one PutRecords call plus its retries) and report progress."""
        batch, self._batch, self._size = self._batch, [], 0
        if not batch:
            return
        before = self.summary.sent + self.summary.failed
        self.send(batch)
        if self.on_sent:
            self.on_sent(self.summary.sent + self.summary.failed - before)

    def send(self, entries: list[dict[str, Any]]) -> None:
        """Send ≤ 500 entries ({Data, PartitionKey}); counts land in the summary."""
        if not entries:
            return
        pending = entries
        self.summary.batches += 1
        for attempt in range(self.max_attempts):
            try:
                response = self.client.put_records(StreamName=self.stream, Records=pending)
            except ClientError as exc:
                code = _error_code(exc)
                if code == "ResourceNotFoundException":
                    raise ReplayError(
                        f"Kinesis stream {self.stream!r} does not exist: start the stack and deploy "
                        "(`make up`, then `cadabra deploy`)"
                    ) from exc
                status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
                if code not in KINESIS_TRANSIENT_CODES and not (isinstance(status, int) and status >= 500):
                    raise ReplayError(f"PutRecords to {self.stream!r} failed: {exc}") from exc
                self.summary.retried += len(pending)
                self.sleep(self.backoff.delay(attempt + 1))
                continue
            except BotoCoreError as exc:
                if attempt == 0 and "Could not connect" in str(exc):
                    raise ReplayError(f"cannot reach the AWS endpoint ({exc}): start the stack with `make up`") from exc
                self.summary.retried += len(pending)
                self.sleep(self.backoff.delay(attempt + 1))
                continue
            results = response.get("Records", [])
            rejected = []
            for entry, result in zip(pending, results):
                if result.get("ErrorCode"):
                    rejected.append(entry)
                else:
                    shard = result.get("ShardId", "?")
                    self.summary.shards[shard] = self.summary.shards.get(shard, 0) + 1
            self.summary.sent += len(pending) - len(rejected)
            if not rejected:
                return
            if attempt + 1 < self.max_attempts:
                self.summary.retried += len(rejected)
                self.sleep(self.backoff.delay(attempt + 1))
            pending = rejected
        self.summary.failed += len(pending)


# -- Firehose -------------------------------------------------------------------------------------
@dataclass
class SendSummary:
    """What a Firehose sender did."""

    stream: str
    records: int = 0
    bytes: int = 0
    calls: int = 0
    retried_records: int = 0
    seconds: float = 0.0

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "records_per_second": round(self.records_per_second, 1)}


class FirehoseSender:
    """Collects records within PutRecordBatch's limits and delivers them, re-sending failures."""

    def __init__(
        self,
        client: Any,
        stream: str,
        summary: SendSummary,
        progress: Progress | None = None,
        max_attempts: int = 10,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client, self.stream, self.summary = client, stream, summary
        self.progress, self.max_attempts, self.sleep = progress, max_attempts, sleep
        self.backoff = Backoff(0.1, 2.0)
        self.records: list[bytes] = []
        self.size = 0
        self.opened_at = 0.0  # monotonic time of the first record of the open batch

    def add(self, data: bytes) -> None:
        """Queue one record; a full batch goes out first."""
        if len(data) > FIREHOSE_MAX_RECORD_BYTES:
            raise DeliveryError(f"a record of {len(data)} bytes exceeds Firehose's 1,000 KiB record limit: split or drop it")
        if len(self.records) >= FIREHOSE_MAX_BATCH_RECORDS or self.size + len(data) > FIREHOSE_MAX_BATCH_BYTES:
            self.flush()
        if not self.records:
            self.opened_at = time.monotonic()
        self.records.append(data)
        self.size += len(data)

    def flush(self) -> None:
        """Deliver the open batch, resending what fails; DeliveryError after `max_attempts` calls."""
        pending, self.records, self.size = self.records, [], 0
        attempt = 0
        while pending:
            attempt += 1
            failed = self._put(pending)
            delivered = len(pending) - len(failed)
            self.summary.records += delivered
            self.summary.bytes += sum(len(r) for r in pending) - sum(len(r) for r in failed)
            if delivered and self.progress:
                self.progress(delivered)
            if not failed:
                return
            if attempt >= self.max_attempts:
                raise DeliveryError(
                    f"Firehose {self.stream} refused {len(failed)} records {attempt} times in a row: "
                    "check the stream with `aws firehose describe-delivery-stream` and the stack's logs"
                )
            self.summary.retried_records += len(failed)
            self.sleep(self.backoff.delay(attempt))  # back off even when stopping: never drop
            pending = failed

    def _put(self, records: list[bytes]) -> list[bytes]:
        """One PutRecordBatch call; returns the records to send again."""
        self.summary.calls += 1
        try:
            answer = self.client.put_record_batch(
                DeliveryStreamName=self.stream, Records=[{"Data": data} for data in records]
            )
        except ClientError as exc:
            code = _error_code(exc)
            if code == "ResourceNotFoundException":
                raise DeliveryError(
                    f"Firehose delivery stream {self.stream} does not exist: deploy its pipeline first (`cadabra deploy`)"
                ) from exc
            if code in FIREHOSE_TRANSIENT_CODES:
                return records  # the whole call was refused: send all again
            raise
        if not answer.get("FailedPutCount"):
            return []
        return [data for data, outcome in zip(records, answer["RequestResponses"]) if outcome.get("ErrorCode")]


_END = object()


def stream_to_firehose(
    client: Any,
    stream: str,
    records: Iterable[bytes],
    *,
    rate: float | None = None,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
    linger: float = 0.5,
    max_attempts: int = 10,
) -> SendSummary:
    """Put every record of `records` on the delivery stream `stream`.

    `rate` paces the records per second (None: as fast as Firehose takes them). A batch goes out when
    it is full (500 records / 4 MiB) or `linger` seconds after its first record, so a slow source
    (a tailed file) still flows. Failed records are re-sent with back-off up to `max_attempts`
    times, then DeliveryError. `progress(n)` is called with each number of records delivered.
    """
    stop = stop or threading.Event()
    halt = threading.Event()  # ends the reader thread when sending ends, whatever the reason
    summary = SendSummary(stream=stream)
    sender = FirehoseSender(client, stream, summary, progress, max_attempts)
    inbox: queue.Queue[Any] = queue.Queue(maxsize=4 * FIREHOSE_MAX_BATCH_RECORDS)

    def offer(item: Any) -> bool:
        while not (halt.is_set() or stop.is_set()):
            try:
                inbox.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:  # the source may block (a tailed file); reading in a thread lets batches linger out
        try:
            for record in records:
                if not offer(record):
                    return
        except BaseException as exc:  # handed to the sending loop, which raises it
            offer(exc)
            return
        offer(_END)

    reader = threading.Thread(target=read, name="firehose-reader", daemon=True)
    started = time.monotonic()
    reader.start()
    taken = 0
    try:
        while not stop.is_set():
            wait = linger
            if sender.records:
                wait = max(0.0, sender.opened_at + linger - time.monotonic())
            try:
                item = inbox.get(timeout=wait) if wait > 0 else inbox.get_nowait()
            except queue.Empty:
                if sender.records:
                    sender.flush()
                continue
            if item is _END:
                break
            if isinstance(item, BaseException):
                raise item
            if rate:
                delay = started + taken / rate - time.monotonic()
                if delay > 0:
                    if sender.records and time.monotonic() + delay - sender.opened_at >= linger:
                        sender.flush()
                    stop.wait(delay)
            sender.add(item)
            taken += 1
        if sender.records:
            sender.flush()
    except KeyboardInterrupt:
        if sender.records:  # Ctrl-C: deliver what was already taken, then stop
            sender.flush()
        raise
    finally:
        halt.set()
        reader.join(timeout=2.0)
        summary.seconds = time.monotonic() - started
    return summary
