"""The Redshift Data API engine: statements run on the stack's PostgreSQL in the background.

Emulates https://docs.aws.amazon.com/redshift-data/latest/APIReference/Welcome.html:
ExecuteStatement (one statement, ``:name`` Parameters), BatchExecuteStatement (its statements in
one transaction, sub-statements ``<id>:<n>``), DescribeStatement (Status SUBMITTED -> STARTED ->
FINISHED | FAILED | ABORTED, Error, Duration in nanoseconds, ResultRows, HasResultSet),
GetStatementResult (typed fields, ColumnMetadata, NextToken paging) and ListStatements. The
ClusterIdentifier is the stack's cluster (``cadabra``) or any WorkgroupName; the database is a
PostgreSQL database of the stack's server. Each statement is translated (translate.py); COPY
(copy.py) and external schemas (spectrum.py) read the catalog through boto3 clients and S3 objects
with the runtime's reader (shared/s3_objects.py: in-process on the embedded stack).

Known gaps: no SecretArn/IAM authentication (DbUser is recorded, the stack's user connects), no
CancelStatement of a running PostgreSQL query beyond marking it ABORTED, no result-format CSV,
statements are kept in memory (cleared by moto's reset).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from enum import StrEnum
from typing import Any, Callable

import psycopg2
from sqlglot import exp

from sandbox.localcloud.redshift_data import copy, spectrum, translate
from sandbox.localcloud.shared.catalog_tables import TableReader, TableReaders
from sandbox.localcloud.runtime import Clients, Objects
from sandbox.localcloud.shared.s3_objects import ApiObjects
from sandbox.settings import Settings

log = logging.getLogger(__name__)
WORKERS = 2
PAGE_ROWS = 1000
TYPE_NAMES = {16: "bool", 20: "int8", 21: "int2", 23: "int4", 25: "text", 700: "float4", 701: "float8", 1042: "bpchar",
              1043: "varchar", 1082: "date", 1083: "time", 1114: "timestamp", 1184: "timestamptz", 1700: "numeric",
              3802: "super", 114: "super", 19: "name", 26: "oid", 18: "char"}


class StatementStatus(StrEnum):
    SUBMITTED = "SUBMITTED"
    PICKED = "PICKED"
    STARTED = "STARTED"
    FINISHED = "FINISHED"
    FAILED = "FAILED"
    ABORTED = "ABORTED"


FINAL = {StatementStatus.FINISHED, StatementStatus.FAILED, StatementStatus.ABORTED}


@dataclass
class Part:
    """One SQL statement of a request (the only one of ExecuteStatement)."""

    sql: str
    status: StatementStatus = StatementStatus.SUBMITTED
    error: str = ""
    columns: list[dict[str, Any]] = field(default_factory=list)
    rows: list[list[dict[str, Any]]] = field(default_factory=list)
    has_result: bool = False
    result_rows: int = -1
    duration_ns: int = 0
    started: datetime | None = None
    ended: datetime | None = None


@dataclass
class Statement:
    id: str
    account_id: str
    region: str
    cluster: str | None
    workgroup: str | None
    database: str
    db_user: str | None
    parts: list[Part]
    batch: bool
    name: str | None = None
    parameters: dict[str, str] = field(default_factory=dict)
    status: StatementStatus = StatementStatus.SUBMITTED
    error: str = ""
    created: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    updated: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    pid: int = 0

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"Id": self.id, "Status": self.status.value, "CreatedAt": self.created, "UpdatedAt": self.updated,
                               "IsBatchStatement": self.batch, "Database": self.database}
        if self.batch:
            out["QueryStrings"] = [p.sql for p in self.parts]
        else:
            out["QueryString"] = self.parts[0].sql
        if self.name:
            out["StatementName"] = self.name
        return out

    def describe(self) -> dict[str, Any]:
        out = self.summary()
        out.pop("IsBatchStatement")
        out.pop("QueryStrings", None)
        out.update({"Duration": sum(p.duration_ns for p in self.parts) if self.status in FINAL else -1,
                    "HasResultSet": any(p.has_result for p in self.parts), "RedshiftPid": self.pid,
                    "RedshiftQueryId": 0, "ResultRows": sum(max(p.result_rows, 0) for p in self.parts) if self.parts else -1,
                    "ResultSize": 0, "DbUser": self.db_user or ""})
        if self.batch:
            out["QueryString"] = "; ".join(p.sql for p in self.parts)
            out["SubStatements"] = [{"Id": f"{self.id}:{i}", "Status": p.status.value, "QueryString": p.sql,
                                     "Duration": p.duration_ns, "HasResultSet": p.has_result, "ResultRows": p.result_rows,
                                     "RedshiftQueryId": 0, "CreatedAt": self.created, "UpdatedAt": p.ended or self.updated,
                                     **({"Error": p.error} if p.error else {})} for i, p in enumerate(self.parts, start=1)]
        if self.cluster:
            out["ClusterIdentifier"] = self.cluster
        if self.workgroup:
            out["WorkgroupName"] = self.workgroup
        if self.error:
            out["Error"] = self.error
        return out


class StatementNotFound(LookupError):
    pass


class NoResult(Exception):
    pass


def field_of(value: Any) -> dict[str, Any]:
    """A value as the Data API's Field union."""
    if value is None:
        return {"isNull": True}
    if isinstance(value, bool):
        return {"booleanValue": value}
    if isinstance(value, int):
        return {"longValue": value}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, (bytes, memoryview)):
        return {"blobValue": bytes(value)}
    if isinstance(value, Decimal):
        return {"stringValue": str(value)}
    if isinstance(value, datetime):
        return {"stringValue": value.isoformat(sep=" ")}
    return {"stringValue": str(value)}




class DataApiEngine:
    def __init__(self, settings: Settings, clients: Clients, connect: Callable[[str], Any] | None = None,
                 objects: Objects | None = None) -> None:
        self.settings = settings
        self._clients = clients
        self._objects = objects or (lambda region: ApiObjects(clients("s3", region)))
        self._connect = connect or (lambda database: psycopg2.connect(self._dsn(database), connect_timeout=10))
        self._statements: dict[str, Statement] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="redshift-data")
        self._readers = TableReaders(self._objects)

    def _dsn(self, database: str) -> str:
        return self.settings.postgres_dsn.rsplit("/", 1)[0] + "/" + database

    # -- the API ------------------------------------------------------------------------------
    def submit(self, statement: Statement) -> Statement:
        with self._lock:
            self._statements[statement.id] = statement
        self._pool.submit(self._run, statement)
        return statement

    def new(self, account_id: str, region: str, sqls: list[str], *, batch: bool, cluster: str | None, workgroup: str | None,
            database: str | None, db_user: str | None, name: str | None, parameters: dict[str, str]) -> Statement:
        return Statement(str(uuid.uuid4()), account_id, region, cluster, workgroup, database or self.settings.postgres_db,
                         db_user, [Part(sql) for sql in sqls], batch, name, parameters)

    def get(self, account_id: str, region: str, statement_id: str) -> Statement:
        with self._lock:
            statement = self._statements.get(statement_id.split(":")[0])
        if statement is None or (statement.account_id, statement.region) != (account_id, region):
            raise StatementNotFound(f"Query does not exist: {statement_id}")
        return statement

    def result(self, account_id: str, region: str, statement_id: str, token: str | None) -> dict[str, Any]:
        statement = self.get(account_id, region, statement_id)
        index = int(statement_id.split(":")[1]) - 1 if ":" in statement_id else None
        if statement.batch and index is None:
            parts = [p for p in statement.parts if p.has_result]
            part = parts[-1] if parts else statement.parts[-1]
        else:
            part = statement.parts[index or 0]
        if statement.status is not StatementStatus.FINISHED:
            raise NoResult(f"Query has not finished (status {statement.status.value}): its result is not available")
        if not part.has_result:
            raise NoResult(f"Query does not have result. Please check query status with DescribeStatement: {statement_id}")
        start = int(token or 0)
        out: dict[str, Any] = {"Records": part.rows[start:start + PAGE_ROWS], "ColumnMetadata": part.columns,
                               "TotalNumRows": len(part.rows)}
        if start + PAGE_ROWS < len(part.rows):
            out["NextToken"] = str(start + PAGE_ROWS)
        return out

    def listed(self, account_id: str, region: str, status: str | None, name: str | None) -> list[dict[str, Any]]:
        with self._lock:
            statements = [s for s in self._statements.values() if (s.account_id, s.region) == (account_id, region)]
        statements = [s for s in statements if (not status or status == "ALL" or s.status.value == status)
                      and (not name or (s.name or "").startswith(name))]
        return [s.summary() for s in sorted(statements, key=lambda s: s.created, reverse=True)]

    def cancel(self, account_id: str, region: str, statement_id: str) -> bool:
        statement = self.get(account_id, region, statement_id)
        if statement.status in FINAL:
            return False
        statement.status = StatementStatus.ABORTED
        return True

    # -- the Engine protocol ------------------------------------------------------------------
    def stop(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def reset(self) -> None:
        with self._lock:
            self._statements.clear()
        self._readers.clear()

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            statements = sorted(self._statements.values(), key=lambda s: s.created, reverse=True)[:50]
        return [{"id": s.id, "status": s.status.value, "sql": "; ".join(p.sql for p in s.parts)[:200], "error": s.error,
                 "rows": sum(max(p.result_rows, 0) for p in s.parts), "database": s.database} for s in statements]

    # -- running ------------------------------------------------------------------------------
    def _run(self, statement: Statement) -> None:
        if statement.status is StatementStatus.ABORTED:
            return
        statement.status = StatementStatus.STARTED
        statement.updated = datetime.now(timezone.utc)
        try:
            connection = self._connect(statement.database)
        except psycopg2.Error as exc:
            self._fail(statement, None, f"cannot connect to database {statement.database}: {str(exc).strip()}")
            return
        try:
            statement.pid = connection.get_backend_pid()
            cursor = connection.cursor()
            for part in statement.parts:  # one transaction: a batch commits together or not at all
                self._run_part(statement, part, cursor)
            connection.commit()
            for part in statement.parts:
                part.status = StatementStatus.FINISHED
            if statement.status is not StatementStatus.ABORTED:
                statement.status = StatementStatus.FINISHED
        except _PartFailed as failed:
            if not connection.closed:
                connection.rollback()
            self._fail(statement, failed.part, failed.reason + _LOST * bool(connection.closed))
        except psycopg2.Error as exc:  # the commit itself
            self._fail(statement, None, _reason(exc) + _LOST * bool(connection.closed))
        except Exception as exc:  # a failure of the sandbox itself: FAILED with the reason, never stuck
            log.exception("Data API statement %s failed", statement.id)
            self._fail(statement, None, f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()
            statement.updated = datetime.now(timezone.utc)

    def _fail(self, statement: Statement, part: Part | None, reason: str) -> None:
        if part is not None:
            part.status, part.error = StatementStatus.FAILED, reason
            for other in statement.parts:
                if other is not part and other.status is not StatementStatus.FAILED:
                    other.status = StatementStatus.ABORTED
        if statement.status is not StatementStatus.ABORTED:
            statement.status, statement.error = StatementStatus.FAILED, reason

    def _run_part(self, statement: Statement, part: Part, cursor: Any) -> None:
        part.started = datetime.now(timezone.utc)
        part.status = StatementStatus.STARTED
        begin = time.monotonic_ns()
        try:
            run_sql(cursor, part, statement.parameters, self._clients("glue", statement.region), self._objects(statement.region),
                    self._readers.get(statement.region))
        except (psycopg2.Error, translate.TranslationError, copy.CopyError, spectrum.SpectrumError) as exc:
            raise _PartFailed(part, _reason(exc)) from None
        finally:
            part.duration_ns = time.monotonic_ns() - begin
            part.ended = datetime.now(timezone.utc)


_LOST = " (the connection to the database was lost, PostgreSQL restarted or stopped: nothing of the statement was committed; run it again)"


class _PartFailed(Exception):
    def __init__(self, part: Part, reason: str) -> None:
        super().__init__(reason)
        self.part, self.reason = part, reason


def _reason(exc: Exception) -> str:
    if isinstance(exc, psycopg2.Error):
        return (exc.pgerror or str(exc)).strip().removeprefix("ERROR:").strip().splitlines()[0]
    if isinstance(exc, translate.TranslationError):
        return f"syntax error: {exc}"
    return str(exc)


def run_sql(cursor: Any, part: Part, parameters: dict[str, str], glue: Any, s3: ApiObjects, reader: TableReader) -> None:
    """Run one Redshift statement on `cursor`, recording its result in `part`."""
    external = translate.external_schema(part.sql)
    if external is not None:
        spectrum.create_external_schema(cursor, glue, external.schema, external.database, external.region, external.if_not_exists)
        return
    sql, tree = translate.redshift_tree(part.sql)
    if isinstance(tree, exp.Copy):
        part.result_rows = copy.run_copy(cursor, s3, copy.parse_copy(part.sql, tree))
        return
    if not isinstance(tree, exp.Command):
        schemas = spectrum.external_schemas(cursor)
        for schema, table in spectrum.referenced(tree, schemas):
            spectrum.refresh(cursor, glue, reader, schema, schemas[schema], table)
        sql = translate.bind(tree, parameters).sql(dialect="postgres")
    cursor.execute(sql)
    if cursor.description is None:
        part.result_rows = cursor.rowcount
        return
    part.has_result = True
    part.columns = [{"name": d.name, "label": d.name, "typeName": TYPE_NAMES.get(d.type_code, "varchar"),
                     "isCaseSensitive": TYPE_NAMES.get(d.type_code, "varchar") in ("varchar", "text", "bpchar"),
                     "isCurrency": False, "isSigned": TYPE_NAMES.get(d.type_code) in ("int2", "int4", "int8", "float4", "float8", "numeric"),
                     "length": 0, "nullable": 1, "precision": d.precision or 0, "scale": d.scale or 0,
                     "schemaName": "", "tableName": "", "columnDefault": None} for d in cursor.description]
    part.rows = [[field_of(v) for v in row] for row in cursor.fetchall()]
    part.result_rows = len(part.rows)
