"""One Athena query on DuckDB: Trino SQL translated by sqlglot, catalog tables scanned from S3, partitions pruned.

Emulates what https://docs.aws.amazon.com/athena/latest/ug/querying-athena-tables.html describes:
table names resolve against the Data Catalog (``[AwsDataCatalog.]database.table``, else the
QueryExecutionContext's database); predicates on partition columns in a query's WHERE clause
choose the partitions read (https://docs.aws.amazon.com/athena/latest/ug/partitions.html); the rest
runs on an in-memory DuckDB over the scanned rows. Errors carry Athena's categories
(SYNTAX_ERROR, TABLE_NOT_FOUND, NOT_SUPPORTED) followed by sqlglot's or DuckDB's reason.

Known gaps: SELECT/WITH/VALUES queries only (no DDL, CTAS, INSERT, SHOW, DESCRIBE, MSCK REPAIR);
functions that sqlglot does not translate from Trino to DuckDB fail with DuckDB's reason; other
catalogs (federated queries) are not reachable.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import duckdb
import pyarrow as pa
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from sandbox.localcloud.athena import trino
from sandbox.localcloud.shared.catalog_tables import CatalogTable, Partition, TableNotFound, TableReader

DEFAULT_CATALOG = "awsdatacatalog"


class QueryFailed(Exception):
    """The query ends FAILED with this message (Athena's error category first)."""

    def __init__(self, message: str, category: str = "USER") -> None:
        super().__init__(message)
        self.category = category


@dataclass
class Outcome:
    columns: list[tuple[str, str]]  # (name, DuckDB type)
    rows: list[tuple[Any, ...]]
    bytes_scanned: int = 0
    planning_ms: int = 0
    engine_ms: int = 0
    statement_type: str = "DML"
    tables: list[str] = field(default_factory=list)


def parse(sql: str) -> exp.Expression:
    """The one statement of `sql` in Athena's (Trino) dialect; QueryFailed SYNTAX_ERROR otherwise."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="athena") if s is not None]
    except ParseError as exc:
        raise QueryFailed(f"SYNTAX_ERROR: {exc}") from None
    if len(statements) != 1:
        raise QueryFailed(f"SYNTAX_ERROR: expected one statement, got {len(statements)}")
    statement = statements[0]
    if isinstance(statement, exp.Command) or not isinstance(statement, (exp.Query, exp.Values)):
        kind = statement.key.upper() if not isinstance(statement, exp.Command) else str(statement.this).upper()
        raise QueryFailed(f"NOT_SUPPORTED: {kind} statements are not run by the sandbox's Athena: only queries (SELECT, WITH, VALUES)")
    return statement


def _cte_names(tree: exp.Expression) -> set[str]:
    return {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}


def _conjuncts(node: exp.Expression | None) -> list[exp.Expression]:
    if node is None:
        return []
    if isinstance(node, exp.And):
        return _conjuncts(node.left) + _conjuncts(node.right)
    if isinstance(node, exp.Paren):
        return _conjuncts(node.this)
    return [node]


def _pruning_predicates(reference: exp.Table, table: CatalogTable) -> list[exp.Expression]:
    """The WHERE conjuncts of the SELECT that reads `reference` that only involve its partition keys."""
    select = reference.find_ancestor(exp.Select)
    if select is None or select.args.get("where") is None:
        return []
    names = {reference.alias_or_name.lower(), reference.name.lower()}
    keys = set(table.partition_keys)
    chosen = []
    for conjunct in _conjuncts(select.args["where"].this):
        columns = list(conjunct.find_all(exp.Column))
        if columns and not list(conjunct.find_all(exp.Subquery, exp.Select)) and all(
                c.name.lower() in keys and (not c.table or c.table.lower() in names) for c in columns):
            chosen.append(conjunct)
    return chosen


def _prune(table: CatalogTable, predicates: list[exp.Expression]) -> list[Partition] | None:
    """The partitions whose values satisfy `predicates` (None: no pruning possible)."""
    if not predicates or not table.partitions:
        return None
    keys = table.partition_keys
    if any(len(p.values) != len(keys) for p in table.partitions):
        return None  # a partition without a value per key: read every partition
    # the partitions as an Arrow table (an INSERT per partition cost seconds for thousands of them)
    parts = pa.table({"__partition_index": pa.array(range(len(table.partitions)), pa.int32()),
                      **{k: pa.array([p.values[n] for p in table.partitions], pa.string()) for n, k in enumerate(keys)}})
    con = duckdb.connect()
    try:
        con.register("parts", parts)
        where = " AND ".join(p.copy().transform(lambda n: exp.column(n.name) if isinstance(n, exp.Column) else n).sql("duckdb")
                             for p in predicates)
        chosen = {row[0] for row in con.execute(f"SELECT __partition_index FROM parts WHERE {where}").fetchall()}
    except duckdb.Error:
        return None  # a predicate DuckDB cannot evaluate on strings alone: read every partition
    finally:
        con.close()
    return [p for i, p in enumerate(table.partitions) if i in chosen]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def bind(tree: exp.Expression, parameters: list[str]) -> exp.Expression:
    """Put ExecutionParameters (SQL literals, in order) in place of the query's ``?`` placeholders."""
    placeholders = [p for p in tree.find_all(exp.Placeholder, bfs=False) if p.name in ("", "?")]  # in text order
    if len(placeholders) != len(parameters):
        raise QueryFailed(f"INVALID_PARAMETER_USAGE: the query has {len(placeholders)} parameters (?) "
                          f"and {len(parameters)} ExecutionParameters were given")
    for placeholder, value in zip(placeholders, parameters):
        try:
            placeholder.replace(sqlglot.parse_one(value, read="athena"))
        except ParseError as exc:
            raise QueryFailed(f"SYNTAX_ERROR: ExecutionParameter {value!r}: {exc}") from None
    return tree


def run(sql: str, database: str | None, glue: Any, reader: TableReader, parameters: list[str] | None = None,
        on_connection: Callable[[duckdb.DuckDBPyConnection], None] = lambda con: None) -> Outcome:
    """Run one Athena query; QueryFailed with Athena's category and the engine's reason on failure."""
    started = time.monotonic()
    tree = bind(parse(sql), list(parameters or []))
    ctes = _cte_names(tree)
    loaded: dict[tuple[str, str], tuple[CatalogTable, list[Partition] | None, bool]] = {}
    references = []
    for reference in list(tree.find_all(exp.Table)):
        if not reference.name or (not reference.db and reference.name.lower() in ctes):
            continue
        catalog = (reference.catalog or DEFAULT_CATALOG).lower()
        if catalog != DEFAULT_CATALOG:
            raise QueryFailed(f"CATALOG_NOT_FOUND: Catalog '{catalog}' does not exist in the sandbox (only AwsDataCatalog)")
        db = (reference.db or database or "default").lower()
        key = (db, reference.name.lower())
        if key not in loaded:
            try:
                loaded[key] = (reader.table(glue, db, reference.name.lower()), [], False)
            except TableNotFound:
                raise QueryFailed(f"TABLE_NOT_FOUND: Table '{DEFAULT_CATALOG}.{db}.{reference.name.lower()}' does not exist") from None
        table, chosen, everything = loaded[key]
        pruned = _prune(table, _pruning_predicates(reference, table)) if table.partition_keys else None
        if pruned is None:
            everything = True
        else:
            chosen = chosen + [p for p in pruned if p not in chosen]
        loaded[key] = (table, chosen, everything)
        references.append((reference, key))
    con = duckdb.connect()
    con.execute(f"SET TimeZone = '{trino.SESSION_TIME_ZONE}'")
    try:
        scanned = 0
        names = {}
        for index, (key, (table, chosen, everything)) in enumerate(loaded.items()):
            scan = reader.scan(table, None if everything else chosen)
            scanned += scan.bytes_scanned
            names[key] = f"__athena_{index}"
            con.register(names[key], scan.table)
        for reference, key in references:
            alias = reference.alias or reference.name
            reference.replace(exp.Table(this=exp.to_identifier(names[key]), alias=exp.TableAlias(this=exp.to_identifier(alias))))
        planned = time.monotonic()
        translated = trino.rewrite(tree).sql(dialect="duckdb")
        on_connection(con)
        try:
            cursor = con.execute(translated)
            rows = cursor.fetchall()
            columns = [(d[0], str(d[1])) for d in cursor.description]
        except duckdb.Error as exc:
            raise QueryFailed(f"{_category(exc)}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
        done = time.monotonic()
    finally:
        con.close()
    return Outcome(columns, rows, scanned, int((planned - started) * 1000), int((done - planned) * 1000),
                   tables=[f"{db}.{name}" for db, name in loaded])


def _category(exc: duckdb.Error) -> str:
    if isinstance(exc, (duckdb.BinderException, duckdb.CatalogException)):
        return "COLUMN_NOT_FOUND" if "column" in str(exc).lower() else "SYNTAX_ERROR"
    if isinstance(exc, duckdb.ParserException):
        return "SYNTAX_ERROR"
    if isinstance(exc, duckdb.InterruptException):
        return "USER_CANCELLED"
    if isinstance(exc, (duckdb.ConversionException, duckdb.InvalidInputException, duckdb.OutOfRangeException)):
        return "INVALID_CAST_ARGUMENT"
    return "GENERIC_INTERNAL_ERROR"
