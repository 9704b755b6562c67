"""The crawler engine: StartCrawler runs a crawl in the background; state and metrics as Glue reports them.

Emulates https://docs.aws.amazon.com/glue/latest/dg/crawler-running.html and the crawler fields of
https://docs.aws.amazon.com/glue/latest/webapi/API_Crawler.html / API_CrawlerMetrics.html:
State RUNNING -> (STOPPING) -> READY; LastCrawl with Status SUCCEEDED | CANCELLED | FAILED and
ErrorMessage; metrics TablesCreated/Updated/Deleted, LastRuntimeSeconds, MedianRuntimeSeconds.
A crawl lists its S3 targets, leaves out the exclusions, infers tables and partitions
(discovery.py), columns (infer.py) and writes them (catalog.py), through boto3 clients of the
stack, so it behaves the same beside LocalStack; objects are listed and read with the runtime's
S3 reader (shared/s3_objects.py: in-process from moto on the embedded stack, else the S3 API). Its log goes to CloudWatch Logs
``/aws-glue/crawlers``, stream = crawler name, lines prefixed by the crawl id, as Glue writes it;
lines that do not parse are reported there and in LastCrawl's ErrorMessage-free ``describe()``.

An object already read by an earlier crawl (same key and ETag) is not read again, as an
incremental crawl; ``SampleSize`` (files read per leaf folder) is honoured, as Glue does.

Known gaps: S3 targets only (no JDBC, DynamoDB, catalog or Delta targets), no schedules,
RecrawlPolicy is always CRAWL_EVERYTHING, crawlers of accounts other than the stack's are crawled
with the stack's credentials.
"""

from __future__ import annotations

import copy
import logging
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import StrEnum
from typing import Any

from sandbox.localcloud.glue import catalog
from sandbox.localcloud.glue.discovery import S3Object, TableLayout, discover
from sandbox.localcloud.glue.infer import Inferred, infer_object
from sandbox.localcloud.runtime import Clients, Objects
from sandbox.localcloud.shared.s3_objects import ApiObjects
from sandbox.settings import Settings
from sandbox.localcloud.shared.catalog_tables import split_s3_url

log = logging.getLogger(__name__)
READERS = 8  # concurrent GetObject calls while sampling
LOG_GROUP = "/aws-glue/crawlers"


class CrawlerState(StrEnum):
    READY = "READY"
    RUNNING = "RUNNING"
    STOPPING = "STOPPING"


class CrawlStatus(StrEnum):
    SUCCEEDED = "SUCCEEDED"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"


class CrawlCancelled(Exception):
    pass


@dataclass
class Crawl:
    """One run of a crawler."""

    crawler: str
    crawl_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    ended: datetime | None = None
    status: CrawlStatus | None = None  # None while running
    error: str = ""
    stop_requested: bool = False
    tables_created: int = 0
    tables_updated: int = 0
    objects: int = 0
    records: int = 0
    broken_lines: int = 0
    broken: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return ((self.ended or datetime.now(timezone.utc)) - self.started).total_seconds()

    def last_crawl(self) -> dict[str, Any]:
        out = {"Status": (self.status or CrawlStatus.SUCCEEDED).value, "LogGroup": LOG_GROUP, "LogStream": self.crawler,
               "MessagePrefix": self.crawl_id, "StartTime": self.started}
        if self.error:
            out["ErrorMessage"] = self.error
        return out


@dataclass
class CrawlerRecord:
    crawls: list[Crawl] = field(default_factory=list)

    @property
    def current(self) -> Crawl | None:
        return self.crawls[-1] if self.crawls and self.crawls[-1].status is None else None

    @property
    def last_finished(self) -> Crawl | None:
        done = [c for c in self.crawls if c.status is not None]
        return done[-1] if done else None

    @property
    def state(self) -> CrawlerState:
        current = self.current
        if current is None:
            return CrawlerState.READY
        return CrawlerState.STOPPING if current.stop_requested else CrawlerState.RUNNING


class CrawlerBusy(Exception):
    """StartCrawler on a running crawler (CrawlerRunningException) or StopCrawler on an idle one."""




class CrawlerEngine:
    """Crawls per (account, region, crawler name), each on its own background thread."""

    def __init__(self, settings: Settings, clients: Clients, objects: Objects | None = None) -> None:
        self.settings = settings
        self._clients = clients
        self._objects = objects or (lambda region: ApiObjects(clients("s3", region)))
        self._records: dict[tuple[str, str, str], CrawlerRecord] = {}
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._seen: dict[tuple[str, str, str], Inferred] = {}  # (bucket, key, ETag) -> what it told: a recrawl reads only new objects

    # -- the API ------------------------------------------------------------------------------
    def start(self, account_id: str, region: str, name: str) -> Crawl:
        with self._lock:
            record = self._records.setdefault((account_id, region, name), CrawlerRecord())
            if record.current is not None:
                raise CrawlerBusy(f"Crawler with name {name} has already started")
            crawl = Crawl(name)
            record.crawls.append(crawl)
        thread = threading.Thread(target=self._run, args=(region, crawl), name=f"glue-crawl-{name}", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()
        return crawl

    def stop_crawl(self, account_id: str, region: str, name: str) -> None:
        with self._lock:
            record = self._records.get((account_id, region, name))
            current = record.current if record else None
            if current is None:
                raise CrawlerBusy(f"Crawler with name {name} isn't running")
            current.stop_requested = True

    def record(self, account_id: str, region: str, name: str) -> CrawlerRecord:
        with self._lock:
            return self._records.get((account_id, region, name)) or CrawlerRecord()

    def metrics(self, account_id: str, region: str, name: str) -> dict[str, Any]:
        record = self.record(account_id, region, name)
        done = [c for c in record.crawls if c.status is not None]
        last = record.last_finished
        current = record.current
        return {
            "CrawlerName": name,
            "TimeLeftSeconds": 0.0,
            "StillEstimating": current is not None,
            "LastRuntimeSeconds": round(last.seconds, 3) if last else 0.0,
            "MedianRuntimeSeconds": round(statistics.median(c.seconds for c in done), 3) if done else 0.0,
            "TablesCreated": last.tables_created if last else 0,
            "TablesUpdated": last.tables_updated if last else 0,
            "TablesDeleted": 0,
        }

    # -- the Engine protocol ------------------------------------------------------------------
    def stop(self) -> None:
        with self._lock:
            for record in self._records.values():
                if record.current:
                    record.current.stop_requested = True
        for thread in self._threads:
            thread.join(timeout=10)

    def reset(self) -> None:
        self.stop()
        with self._lock:
            self._records.clear()
            self._seen.clear()

    def describe(self) -> list[dict[str, Any]]:
        rows = []
        with self._lock:
            items = list(self._records.items())
        for (account_id, region, name), record in items:
            last = record.crawls[-1] if record.crawls else None
            rows.append({
                "crawler": name, "account": account_id, "region": region, "state": record.state.value,
                "last_status": last.status.value if last and last.status else "", "error": last.error if last else "",
                "seconds": round(last.seconds, 2) if last else None, "objects": last.objects if last else 0,
                "records_sampled": last.records if last else 0, "tables_created": last.tables_created if last else 0,
                "tables_updated": last.tables_updated if last else 0, "broken_lines": last.broken_lines if last else 0,
                "broken": list(last.broken) if last else [],
            })
        return rows

    # -- one crawl ----------------------------------------------------------------------------
    def _run(self, region: str, crawl: Crawl) -> None:
        journal = CrawlLog(self._clients("logs", region), crawl)
        journal.write(f"BENCHMARK : Running Start Crawl for Crawler {crawl.crawler}")
        try:
            self._crawl(region, crawl, journal)
            crawl.status = CrawlStatus.CANCELLED if crawl.stop_requested else CrawlStatus.SUCCEEDED
        except CrawlCancelled:
            crawl.status = CrawlStatus.CANCELLED
        except Exception as exc:  # the crawl fails with the reason; the crawler goes back to READY
            log.exception("crawler %s failed", crawl.crawler)
            crawl.error = f"{type(exc).__name__}: {exc}"
            crawl.status = CrawlStatus.FAILED
            journal.write(f"ERROR : {crawl.error}")
        crawl.ended = datetime.now(timezone.utc)
        journal.write(f"BENCHMARK : Crawler has finished running and is in state READY ({crawl.status.value}, "
                      f"{crawl.seconds:.2f} s)")
        journal.flush()

    def _crawl(self, region: str, crawl: Crawl, journal: "CrawlLog") -> None:
        glue, s3 = self._clients("glue", region), self._objects(region)
        crawler = glue.get_crawler(Name=crawl.crawler)["Crawler"]
        database = crawler["DatabaseName"]
        policy = crawler.get("SchemaChangePolicy") or {}
        catalog.ensure_database(glue, database)
        for target in (crawler.get("Targets") or {}).get("S3Targets", []):
            bucket, prefix = split_s3_url(target["Path"])
            objects = [S3Object(o.key, o.size, o.etag) for o in s3.list(bucket, prefix)]
            crawl.objects += len(objects)
            tables = discover(bucket, prefix, objects, target.get("Exclusions") or [],
                              table_prefix=crawler.get("TablePrefix") or "")
            for layout in tables:
                self._check(crawl)
                found = self._infer(s3, layout, target.get("SampleSize"), crawl)
                if found is None or not found.columns:
                    journal.write(f"WARN : No columns could be inferred for {layout.location}: table not written")
                    continue
                for line in found.broken:
                    journal.write(f"WARN : Could not parse {line}")
                outcome = catalog.write_table(glue, database, layout, found, crawl.crawler,
                                              policy.get("UpdateBehavior") or "UPDATE_IN_DATABASE")
                if outcome == "created":
                    crawl.tables_created += 1
                    journal.write(f"INFO : Created table {layout.name} in database {database}")
                elif outcome == "updated":
                    crawl.tables_updated += 1
                    journal.write(f"INFO : Updated table {layout.name} in database {database}")
                if layout.partition_keys:
                    journal.write(f"INFO : {layout.name}: {len(layout.partitions)} partitions ({', '.join(layout.partition_keys)})")

    @staticmethod
    def _check(crawl: Crawl) -> None:
        if crawl.stop_requested:
            raise CrawlCancelled()

    def _infer(self, s3: ApiObjects, layout: TableLayout, sample_size: int | None, crawl: Crawl) -> Inferred | None:
        chosen = [obj for objects in layout.partitions.values() for obj in (objects[:sample_size] if sample_size else objects)]

        def read(obj: S3Object) -> Inferred:
            self._check(crawl)
            known = self._seen.get((layout.bucket, obj.key, obj.etag)) if obj.etag else None
            if known is not None:
                return copy.deepcopy(known)
            body = s3.read(layout.bucket, obj.key)
            found = infer_object(obj.key, body)
            if obj.etag:
                self._seen[(layout.bucket, obj.key, obj.etag)] = copy.deepcopy(found)
            return found

        merged: Inferred | None = None
        with ThreadPoolExecutor(READERS, thread_name_prefix="glue-crawl-read") as pool:
            for found in pool.map(read, chosen):
                if merged is not None and merged.classification != found.classification:
                    merged.broken.append(f"s3://{layout.bucket}/... is {found.classification}, the table is {merged.classification}: skipped")
                    merged.broken_count += 1
                    continue
                merged = found if merged is None else merged.merge(found)
        if merged is not None:
            crawl.records += merged.records
            crawl.broken_lines += merged.broken_count
            crawl.broken.extend(merged.broken[: 20 - len(crawl.broken)])
        return merged


class CrawlLog:
    """The crawl's lines for CloudWatch Logs (sent at the end; a failure to log never fails the crawl)."""

    def __init__(self, logs: Any, crawl: Crawl) -> None:
        self._logs, self._crawl, self._events = logs, crawl, []

    def write(self, message: str) -> None:
        self._events.append({"timestamp": int(time.time() * 1000), "message": f"[{self._crawl.crawl_id}] {message}"})

    def flush(self) -> None:
        try:
            for create in (lambda: self._logs.create_log_group(logGroupName=LOG_GROUP),
                           lambda: self._logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName=self._crawl.crawler)):
                try:
                    create()
                except self._logs.exceptions.ResourceAlreadyExistsException:
                    pass
            self._logs.put_log_events(logGroupName=LOG_GROUP, logStreamName=self._crawl.crawler, logEvents=self._events)
        except Exception:
            log.warning("could not write crawler %s's log to CloudWatch Logs", self._crawl.crawler, exc_info=True)
