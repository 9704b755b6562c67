"""Pipeline 5's operations through the AWS APIs: crawl, Athena queries, Redshift statements (Data API).

The CLI, the demo, the console and the report call these; they use boto3 only (Glue, Athena,
Redshift Data API), so they run unchanged against localcloud, the Docker stack or AWS.
https://docs.aws.amazon.com/athena/latest/ug/querying.html,
https://docs.aws.amazon.com/redshift/latest/mgmt/data-api-calling.html
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from sandbox import aws
from sandbox.settings import PROJECT_ROOT, Settings
from sandbox.waiting import WaitTimeout, wait_until

SQL_DIR = PROJECT_ROOT / "sql"
QUERY_TIMEOUT = 300.0


class WarehouseError(RuntimeError):
    """A crawl, query or statement that failed; the message says why and what to do."""


@dataclass
class Result:
    """Rows of an Athena query or a Redshift statement, with how long and how much it read."""

    columns: list[str]
    rows: list[list[Any]]
    id: str = ""
    engine_ms: float = 0.0
    scanned_bytes: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row)) for row in self.rows]


def sql_file(engine: str, name: str) -> str:
    """The text of sql/<engine>/<name>.sql."""
    return (SQL_DIR / engine / f"{name}.sql").read_text()


# -- Glue ------------------------------------------------------------------------------------------
def crawl(settings: Settings, *, timeout: float = 120.0, progress: Callable[[str], None] = lambda m: None) -> dict[str, Any]:
    """Run the lake's crawler and wait for it; returns its LastCrawl and metrics (WarehouseError if it failed)."""
    glue = aws.client("glue", settings)
    name = settings.names.glue_crawler
    try:
        glue.start_crawler(Name=name)
    except glue.exceptions.EntityNotFoundException:
        raise WarehouseError(f"crawler {name} does not exist: run `cadabra deploy` first") from None
    except glue.exceptions.CrawlerRunningException:
        progress(f"crawler {name} is already running: waiting for it")
    progress(f"crawling s3://{settings.names.datalake_bucket}/ into {settings.names.glue_database}")
    try:
        crawler = wait_until(lambda: (c := glue.get_crawler(Name=name)["Crawler"])["State"] == "READY" and c,
                             timeout=timeout, interval=0.2, message=f"crawler {name} to finish")
    except WaitTimeout as exc:
        raise WarehouseError(f"{exc}: its state is in `aws glue get-crawler --name {name}`, its log in "
                             "CloudWatch Logs group /aws-glue/crawlers") from None
    last = crawler.get("LastCrawl") or {}
    if last.get("Status") != "SUCCEEDED":
        raise WarehouseError(f"crawler {name} ended {last.get('Status')}: {last.get('ErrorMessage', '')}")
    metrics = glue.get_crawler_metrics(CrawlerNameList=[name])["CrawlerMetricsList"][0]
    return {"last_crawl": last, "metrics": metrics}


def tables(settings: Settings) -> list[dict[str, Any]]:
    glue = aws.client("glue", settings)
    found = []
    for page in glue.get_paginator("get_tables").paginate(DatabaseName=settings.names.glue_database):
        found.extend(page["TableList"])
    return found


# -- Athena ----------------------------------------------------------------------------------------
def athena(settings: Settings, sql: str, *, parameters: list[str] | None = None, database: str | None = None,
           timeout: float = QUERY_TIMEOUT) -> Result:
    """Run one Athena query and return all its rows (WarehouseError with Athena's reason if it failed)."""
    client = aws.client("athena", settings)
    extra = {"ExecutionParameters": parameters} if parameters else {}
    qid = client.start_query_execution(
        QueryString=sql, QueryExecutionContext={"Database": database or settings.names.glue_database},
        ResultConfiguration={"OutputLocation": f"s3://{settings.names.athena_results_bucket}/"}, **extra,
    )["QueryExecutionId"]
    final = {"SUCCEEDED", "FAILED", "CANCELLED"}
    try:
        execution = wait_until(lambda: (q := client.get_query_execution(QueryExecutionId=qid)["QueryExecution"])["Status"]["State"] in final and q,
                               timeout=timeout, interval=0.02, message=f"Athena query {qid}")
    except WaitTimeout as exc:
        client.stop_query_execution(QueryExecutionId=qid)
        raise WarehouseError(str(exc)) from None
    status = execution["Status"]
    if status["State"] != "SUCCEEDED":
        raise WarehouseError(f"Athena query {status['State']}: {status.get('StateChangeReason', '')}")
    rows: list[list[Any]] = []
    columns: list[str] = []
    token = None
    while True:
        page = client.get_query_results(QueryExecutionId=qid, **({"NextToken": token} if token else {}))
        batch = [[d.get("VarCharValue") for d in r["Data"]] for r in page["ResultSet"]["Rows"]]
        if not columns:
            columns = [c["Name"] for c in page["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]]
            types = [c["Type"] for c in page["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]]
            batch = batch[1:]  # the header row
        rows.extend([_typed(v, t) for v, t in zip(row, types)] for row in batch)
        token = page.get("NextToken")
        if not token:
            break
    stats = execution.get("Statistics", {})
    return Result(columns, rows, qid, stats.get("EngineExecutionTimeInMillis", 0), stats.get("DataScannedInBytes", 0),
                  {"output": execution.get("ResultConfiguration", {}).get("OutputLocation")})


def _typed(value: str | None, kind: str) -> Any:
    if value is None:
        return None
    if kind in ("bigint", "integer", "smallint", "tinyint"):
        return int(value)
    if kind in ("double", "real", "decimal", "float"):
        return float(value)
    if kind == "boolean":
        return value == "true"
    return value


# -- Redshift (Data API) ---------------------------------------------------------------------------
def redshift(settings: Settings, sql: str | list[str], *, parameters: dict[str, str] | None = None,
             timeout: float = QUERY_TIMEOUT) -> Result:
    """Run a statement (or a batch, in one transaction) on the cluster; the rows of the last result."""
    client = aws.client("redshift-data", settings)
    common = {"ClusterIdentifier": settings.names.redshift_cluster, "Database": settings.postgres_db,
              "DbUser": settings.postgres_user}
    if isinstance(sql, list):
        sid = client.batch_execute_statement(Sqls=sql, **common)["Id"]
    else:
        extra = {"Parameters": [{"name": k, "value": v} for k, v in parameters.items()]} if parameters else {}
        sid = client.execute_statement(Sql=sql, **common, **extra)["Id"]
    try:
        described = wait_until(lambda: (d := client.describe_statement(Id=sid))["Status"] in ("FINISHED", "FAILED", "ABORTED") and d,
                               timeout=timeout, interval=0.02, message=f"Redshift statement {sid}")
    except WaitTimeout as exc:
        client.cancel_statement(Id=sid)
        raise WarehouseError(str(exc)) from None
    if described["Status"] != "FINISHED":
        raise WarehouseError(f"Redshift statement {described['Status']}: {described.get('Error', '')}")
    result = Result([], [], sid, described.get("Duration", 0) / 1e6, 0, {"rows_affected": described.get("ResultRows")})
    if not described.get("HasResultSet"):
        return result
    token = None
    while True:
        page = client.get_statement_result(Id=sid, **({"NextToken": token} if token else {}))
        result.columns = result.columns or [c["name"] for c in page["ColumnMetadata"]]
        result.rows.extend([None if f.get("isNull") else next(iter(f.values())) for f in row] for row in page["Records"])
        token = page.get("NextToken")
        if not token:
            return result


def redshift_script(settings: Settings, name: str) -> list[str]:
    """The statements of sql/redshift/<name>.sql (for BatchExecuteStatement)."""
    from sandbox.localcloud.redshift_data.translate import split

    return split(sql_file("redshift", name))


# -- the course's query ----------------------------------------------------------------------------
def france(settings: Settings, year: str, month: str, *, via: str = "athena") -> Result:
    """What France ordered in one month, by description: through Athena, or Redshift Spectrum."""
    if via == "athena":
        return athena(settings, sql_file("athena", "france"), parameters=[f"'{year}'", f"'{month}'"])
    redshift(settings, sql_file("redshift", "external_schema"))
    return redshift(settings, sql_file("redshift", "france"), parameters={"year": year, "month": month})


def busiest_month(settings: Settings) -> tuple[str, str]:
    """The (year, month) partition with the most France order lines (the demo's month)."""
    result = athena(settings, "SELECT year, month, count(*) AS n FROM orders WHERE country = 'France' "
                              "GROUP BY year, month ORDER BY n DESC, year, month LIMIT 1")
    if not result.rows:
        raise WarehouseError("the lake has no order lines from France: seed it with `cadabra lake seed`")
    return result.rows[0][0], result.rows[0][1]
