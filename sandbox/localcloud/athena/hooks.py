"""The Athena extension's hook into moto: the query actions, which moto answers with canned results.

``AthenaResponse.call_action`` answers StartQueryExecution, GetQueryExecution,
BatchGetQueryExecution, GetQueryResults, ListQueryExecutions and StopQueryExecution from the
engine; work groups, named queries and data catalogs stay moto's (the OutputLocation falls back
to the work group's, as AWS does, and a query needs one of the two).
https://docs.aws.amazon.com/athena/latest/APIReference/API_StartQueryExecution.html
"""

from __future__ import annotations

from typing import Any

from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.athena.engine import AthenaEngine, ExecutionNotFound, NotFinished
from sandbox.localcloud.shared.actions import ApiError, Request, answer_actions

CALL_ACTION = seam.target("moto.athena.responses:AthenaResponse", "call_action", "(self)")
TARGETS = (CALL_ACTION,)


def install(patches: seam.Patches, engine: AthenaEngine) -> None:
    """Answer the query actions from `engine`."""

    def found(request: Request, execution_id: str) -> Any:
        try:
            return engine.get(request.account_id, request.region, execution_id)
        except ExecutionNotFound as exc:
            raise ApiError("InvalidRequestException", str(exc)) from None

    def start(request: Request) -> dict[str, Any]:
        sql = request.require("QueryString")
        workgroup = request.get("WorkGroup") or "primary"
        group = seam.backend("athena", request.account_id, request.region).get_work_group(workgroup)
        if group is None:
            raise ApiError("InvalidRequestException", f"WorkGroup {workgroup} is not found.")
        configured = ((group.get("Configuration") or {}).get("ResultConfiguration") or {}).get("OutputLocation")
        location = (request.get("ResultConfiguration") or {}).get("OutputLocation") or configured
        if not location:
            raise ApiError("InvalidRequestException", "No output location provided. An output location is required either "
                           "through the Workgroup result configuration setting or as an API input.")
        database = (request.get("QueryExecutionContext") or {}).get("Database")
        execution = engine.start(request.account_id, request.region, sql, database, workgroup, location,
                                 request.get("ExecutionParameters"))
        return {"QueryExecutionId": execution.id}

    def get(request: Request) -> dict[str, Any]:
        return {"QueryExecution": found(request, request.require("QueryExecutionId")).document()}

    def batch_get(request: Request) -> dict[str, Any]:
        documents, missing = [], []
        for execution_id in request.require("QueryExecutionIds"):
            try:
                documents.append(engine.get(request.account_id, request.region, execution_id).document())
            except ExecutionNotFound as exc:
                missing.append({"QueryExecutionId": execution_id, "ErrorCode": "InvalidRequestException", "ErrorMessage": str(exc)})
        return {"QueryExecutions": documents, "UnprocessedQueryExecutionIds": missing}

    def results(request: Request) -> dict[str, Any]:
        execution_id = request.require("QueryExecutionId")
        found(request, execution_id)
        try:
            return engine.page(request.account_id, request.region, execution_id, request.get("NextToken"), request.get("MaxResults"))
        except NotFinished as exc:
            raise ApiError("InvalidRequestException", str(exc)) from None

    def listed(request: Request) -> dict[str, Any]:
        return {"QueryExecutionIds": engine.list(request.account_id, request.region, request.get("WorkGroup") or "primary")}

    def stop(request: Request) -> dict[str, Any]:
        execution_id = request.require("QueryExecutionId")
        found(request, execution_id)
        engine.cancel(request.account_id, request.region, execution_id)
        return {}

    patches.replace(CALL_ACTION, answer_actions({
        "StartQueryExecution": start,
        "GetQueryExecution": get,
        "BatchGetQueryExecution": batch_get,
        "GetQueryResults": results,
        "ListQueryExecutions": listed,
        "StopQueryExecution": stop,
    }))
