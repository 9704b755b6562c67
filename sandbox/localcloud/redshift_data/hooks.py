"""The Redshift Data API extension's hook into moto: the statement actions, which moto answers with canned rows.

``RedshiftDataAPIServiceResponse.call_action`` answers ExecuteStatement, BatchExecuteStatement,
DescribeStatement, GetStatementResult, ListStatements and CancelStatement from the engine (moto
5.2.5 has no BatchExecuteStatement or ListStatements at all).
https://docs.aws.amazon.com/redshift-data/latest/APIReference/API_ExecuteStatement.html
"""

from __future__ import annotations

from typing import Any

from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.redshift_data.engine import DataApiEngine, NoResult, StatementNotFound
from sandbox.localcloud.shared.actions import ApiError, Request, answer_actions

CALL_ACTION = seam.target("moto.redshiftdata.responses:RedshiftDataAPIServiceResponse", "call_action", "(self)")
TARGETS = (CALL_ACTION,)


def install(patches: seam.Patches, engine: DataApiEngine, cluster: str) -> None:
    """Answer the statement actions from `engine`; `cluster` is the one ClusterIdentifier that exists."""

    def target(request: Request) -> tuple[str | None, str | None]:
        found_cluster, workgroup = request.get("ClusterIdentifier"), request.get("WorkgroupName")
        if not found_cluster and not workgroup:
            raise ApiError("ValidationException", "Either ClusterIdentifier or WorkgroupName is required")
        if found_cluster and found_cluster != cluster:
            raise ApiError("ValidationException", f"Cluster {found_cluster} not found. The sandbox's cluster is {cluster}.")
        return found_cluster, workgroup

    def start(request: Request, sqls: list[str], batch: bool) -> dict[str, Any]:
        found_cluster, workgroup = target(request)
        parameters = {p["name"]: p["value"] for p in request.get("Parameters") or []}
        statement = engine.submit(engine.new(request.account_id, request.region, sqls, batch=batch, cluster=found_cluster,
                                             workgroup=workgroup, database=request.get("Database"),
                                             db_user=request.get("DbUser"), name=request.get("StatementName"),
                                             parameters=parameters))
        out = {"Id": statement.id, "CreatedAt": statement.created, "Database": statement.database}
        if found_cluster:
            out["ClusterIdentifier"] = found_cluster
        if workgroup:
            out["WorkgroupName"] = workgroup
        if statement.db_user:
            out["DbUser"] = statement.db_user
        return out

    def execute(request: Request) -> dict[str, Any]:
        return start(request, [request.require("Sql")], batch=False)

    def batch_execute(request: Request) -> dict[str, Any]:
        sqls = request.require("Sqls")
        if not 1 <= len(sqls) <= 40:
            raise ApiError("ValidationException", "Sqls must hold 1 to 40 statements")
        return start(request, sqls, batch=True)

    def found(request: Request) -> Any:
        try:
            return engine.get(request.account_id, request.region, request.require("Id"))
        except StatementNotFound as exc:
            raise ApiError("ResourceNotFoundException", str(exc)) from None

    def describe(request: Request) -> dict[str, Any]:
        return found(request).describe()

    def result(request: Request) -> dict[str, Any]:
        found(request)
        try:
            return engine.result(request.account_id, request.region, request.require("Id"), request.get("NextToken"))
        except NoResult as exc:
            raise ApiError("ValidationException", str(exc)) from None

    def listed(request: Request) -> dict[str, Any]:
        rows = engine.listed(request.account_id, request.region, request.get("Status"), request.get("StatementName"))
        size, start = min(int(request.get("MaxResults") or 100), 100), int(request.get("NextToken") or 0)
        out: dict[str, Any] = {"Statements": rows[start:start + size]}
        if start + size < len(rows):
            out["NextToken"] = str(start + size)
        return out

    def cancel(request: Request) -> dict[str, Any]:
        found(request)
        return {"Status": engine.cancel(request.account_id, request.region, request.require("Id"))}

    patches.replace(CALL_ACTION, answer_actions({
        "ExecuteStatement": execute,
        "BatchExecuteStatement": batch_execute,
        "DescribeStatement": describe,
        "GetStatementResult": result,
        "ListStatements": listed,
        "CancelStatement": cancel,
    }))
