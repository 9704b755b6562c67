"""The Athena engine: query executions run in the background; states, statistics and paged results.

Emulates https://docs.aws.amazon.com/athena/latest/APIReference/API_StartQueryExecution.html,
API_GetQueryExecution.html (Status QUEUED -> RUNNING -> SUCCEEDED | FAILED | CANCELLED, with
StateChangeReason and AthenaError; Statistics), API_GetQueryResults.html (header row, MaxResults
up to 1000, NextToken) and API_StopQueryExecution.html. A query reads the catalog through a boto3
client and S3 objects with the runtime's reader (query.py, shared/s3_objects.py), writes its CSV to the OutputLocation and keeps its rows for
GetQueryResults.

Known gaps: no result reuse, no query result encryption, no per-workgroup limits; executions are
kept in memory (cleared by moto's reset); ListQueryExecutions lists this engine's executions.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import StrEnum
from typing import Any

from sandbox.localcloud.athena import query, results
from sandbox.localcloud.shared.catalog_tables import TableReaders, split_s3_url
from sandbox.localcloud.runtime import Clients, Objects
from sandbox.localcloud.shared.s3_objects import ApiObjects
from sandbox.settings import Settings

log = logging.getLogger(__name__)
WORKERS = 2
MAX_RESULTS = 1000


class QueryState(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


FINAL = {QueryState.SUCCEEDED, QueryState.FAILED, QueryState.CANCELLED}


@dataclass
class Execution:
    id: str
    account_id: str
    region: str
    sql: str
    database: str | None
    workgroup: str
    output_location: str | None
    parameters: list[str] = field(default_factory=list)
    state: QueryState = QueryState.QUEUED
    reason: str = ""
    category: int = 0  # AthenaError.ErrorCategory: 1 system, 2 user
    submitted: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    completed: datetime | None = None
    queued_ms: int = 0
    outcome: query.Outcome | None = None
    connection: Any = None  # the running DuckDB connection (StopQueryExecution interrupts it)
    _started_monotonic: float = field(default_factory=time.monotonic)

    def document(self) -> dict[str, Any]:
        status: dict[str, Any] = {"State": self.state.value, "SubmissionDateTime": self.submitted}
        if self.completed:
            status["CompletionDateTime"] = self.completed
        if self.reason:
            status["StateChangeReason"] = self.reason
            status["AthenaError"] = {"ErrorCategory": self.category or 2, "ErrorType": 1000 if self.category == 2 else 1001,
                                     "Retryable": False, "ErrorMessage": self.reason}
        outcome = self.outcome
        total = int(((self.completed or datetime.now(timezone.utc)) - self.submitted).total_seconds() * 1000)
        statistics = {
            "EngineExecutionTimeInMillis": outcome.engine_ms if outcome else 0,
            "DataScannedInBytes": outcome.bytes_scanned if outcome else 0,
            "TotalExecutionTimeInMillis": total,
            "QueryQueueTimeInMillis": self.queued_ms,
            "QueryPlanningTimeInMillis": outcome.planning_ms if outcome else 0,
            "ServicePreProcessingTimeInMillis": 0,
            "ServiceProcessingTimeInMillis": max(0, total - self.queued_ms - (outcome.engine_ms + outcome.planning_ms if outcome else 0)),
            "ResultReuseInformation": {"ReusedPreviousResult": False},
        }
        document = {
            "QueryExecutionId": self.id,
            "Query": self.sql,
            "StatementType": "DML",
            "ResultConfiguration": {"OutputLocation": self.result_location} if self.result_location else {},
            "ResultReuseConfiguration": {"ResultReuseByAgeConfiguration": {"Enabled": False}},
            "QueryExecutionContext": {"Database": self.database, "Catalog": "AwsDataCatalog"} if self.database else {"Catalog": "AwsDataCatalog"},
            "Status": status,
            "Statistics": statistics,
            "WorkGroup": self.workgroup,
            "EngineVersion": {"SelectedEngineVersion": "AUTO", "EffectiveEngineVersion": "Athena engine version 3"},
            "SubstatementType": "SELECT",
        }
        if self.parameters:
            document["ExecutionParameters"] = self.parameters
        return document

    @property
    def result_location(self) -> str | None:
        if not self.output_location:
            return None
        return self.output_location.rstrip("/") + f"/{self.id}.csv"


class ExecutionNotFound(LookupError):
    pass


class NotFinished(Exception):
    pass




class AthenaEngine:
    def __init__(self, settings: Settings, clients: Clients, objects: Objects | None = None) -> None:
        self.settings = settings
        self._clients = clients
        objects = objects or (lambda region: ApiObjects(clients("s3", region)))
        self._executions: dict[str, Execution] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="athena-query")
        self._readers = TableReaders(objects)

    # -- the API ------------------------------------------------------------------------------
    def start(self, account_id: str, region: str, sql: str, database: str | None, workgroup: str,
              output_location: str | None, parameters: list[str] | None = None) -> Execution:
        execution = Execution(str(uuid.uuid4()), account_id, region, sql, database, workgroup, output_location,
                              list(parameters or []))
        with self._lock:
            self._executions[execution.id] = execution
        self._pool.submit(self._run, execution)
        return execution

    def get(self, account_id: str, region: str, execution_id: str) -> Execution:
        with self._lock:
            execution = self._executions.get(execution_id)
        if execution is None or (execution.account_id, execution.region) != (account_id, region):
            raise ExecutionNotFound(f"QueryExecution {execution_id} was not found")
        return execution

    def list(self, account_id: str, region: str, workgroup: str) -> list[str]:
        with self._lock:
            found = [e for e in self._executions.values() if (e.account_id, e.region, e.workgroup) == (account_id, region, workgroup)]
        return [e.id for e in sorted(found, key=lambda e: e.submitted, reverse=True)]

    def cancel(self, account_id: str, region: str, execution_id: str) -> None:
        execution = self.get(account_id, region, execution_id)
        if execution.state in FINAL:
            return
        execution.state = QueryState.CANCELLED
        execution.completed = datetime.now(timezone.utc)
        if execution.connection is not None:
            execution.connection.interrupt()

    def page(self, account_id: str, region: str, execution_id: str, token: str | None, max_results: int | None) -> dict[str, Any]:
        execution = self.get(account_id, region, execution_id)
        if execution.state is not QueryState.SUCCEEDED:
            raise NotFinished(f"Query has not yet finished. Current state: {execution.state.value}"
                              if execution.state not in FINAL else
                              f"Query did not finish successfully. Final query state: {execution.state.value}")
        outcome = execution.outcome
        assert outcome is not None
        size = min(max(1, max_results or MAX_RESULTS), MAX_RESULTS)
        start = int(token or 0)
        table = [tuple(name for name, _ in outcome.columns)] + [tuple(results.text(v) for v in row) for row in outcome.rows]
        chunk = table[start:start + size]
        document: dict[str, Any] = {
            "UpdateCount": 0,
            "ResultSet": {"Rows": [{"Data": [{} if v is None else {"VarCharValue": v} for v in row]} for row in chunk],
                          "ResultSetMetadata": {"ColumnInfo": results.column_info(outcome.columns)}},
        }
        if start + size < len(table):
            document["NextToken"] = str(start + size)
        return document

    # -- the Engine protocol ------------------------------------------------------------------
    def stop(self) -> None:
        with self._lock:
            running = [e for e in self._executions.values() if e.state not in FINAL]
        for execution in running:
            self.cancel(execution.account_id, execution.region, execution.id)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def reset(self) -> None:
        with self._lock:
            self._executions.clear()
        self._readers.clear()

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            executions = sorted(self._executions.values(), key=lambda e: e.submitted, reverse=True)[:50]
        return [{"id": e.id, "state": e.state.value, "query": e.sql[:200], "reason": e.reason,
                 "rows": len(e.outcome.rows) if e.outcome else None,
                 "scanned_bytes": e.outcome.bytes_scanned if e.outcome else 0,
                 "engine_ms": e.outcome.engine_ms if e.outcome else None, "output": e.result_location} for e in executions]

    # -- one query ----------------------------------------------------------------------------
    def _run(self, execution: Execution) -> None:
        if execution.state is QueryState.CANCELLED:
            return
        execution.queued_ms = int((time.monotonic() - execution._started_monotonic) * 1000)
        execution.state = QueryState.RUNNING

        def attach(connection: Any) -> None:
            execution.connection = connection

        try:
            outcome = query.run(execution.sql, execution.database, self._clients("glue", execution.region),
                                self._readers.get(execution.region), execution.parameters, on_connection=attach)
            if execution.result_location:
                bucket, key = split_s3_url(execution.result_location)
                s3 = self._clients("s3", execution.region)
                s3.put_object(Bucket=bucket, Key=key, Body=results.csv_bytes(outcome.columns, outcome.rows), ContentType="text/csv")
                s3.put_object(Bucket=bucket, Key=key + ".metadata", Body=results.metadata_bytes(outcome.columns))
            execution.outcome = outcome
            if execution.state is not QueryState.CANCELLED:
                execution.state = QueryState.SUCCEEDED
        except query.QueryFailed as exc:
            self._fail(execution, str(exc), 2)
        except Exception as exc:  # a failure of the sandbox itself (S3 unreachable...): FAILED, never stuck
            log.exception("Athena query %s failed", execution.id)
            self._fail(execution, f"GENERIC_INTERNAL_ERROR: {type(exc).__name__}: {exc}", 1)
        finally:
            execution.connection = None
            execution.completed = execution.completed or datetime.now(timezone.utc)

    @staticmethod
    def _fail(execution: Execution, reason: str, category: int) -> None:
        if execution.state is QueryState.CANCELLED:
            return
        execution.reason, execution.category = reason, category
        execution.state = QueryState.FAILED
