"""A function's configuration as the Lambda API answers it (GetFunction, CreateFunction, ...).

moto answers State `Active` from the start, no RevisionId, LoggingConfig or RuntimeVersionConfig,
`Layers: []` when there are none, and drops DeadLetterConfig and LoggingConfig from the request.
AWS answers CreateFunction with State `Pending` (StateReasonCode `Creating`) and `Active` once the
function can run (here: at once), a RevisionId that changes with every update, the log group in
LoggingConfig, the runtime's version ARN, and echoes DeadLetterConfig and an empty Environment; no
Layers key without layers. The first answer after Active carries a new RevisionId, as AWS's does.
https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html
https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html

Known gaps: the runtime version ARN is a stable digest of the runtime name, not AWS's published one.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

ECHOED = ("DeadLetterConfig", "LoggingConfig", "Environment")  # request fields moto drops, echoed as given
_EXTRA = "_aws_answer_fields"


def remember(fn: Any, spec: dict[str, Any], *, created: bool = False) -> None:
    """Keep the request fields moto drops, and give the function a new RevisionId.

    `created`: CreateFunction (or a version published by UpdateFunctionCode): answered Pending,
    Active after. Otherwise an update: answered InProgress, Successful after.
    """
    extra = _own(fn)
    for field in ECHOED:
        if field in spec:
            extra[field] = spec[field]
    extra["RevisionId"] = str(uuid.uuid4())
    if created:
        extra["pending"] = True  # the first answer after CreateFunction's reports Active, with a new RevisionId
    else:
        extra["updating"] = True  # likewise after an update: Successful, with a new RevisionId


def _own(fn: Any) -> dict[str, Any]:
    """The fields localcloud keeps for `fn`: a version published from $LATEST (a copy of it, sharing
    its dictionary) gets its own, with its own RevisionId."""
    version = str(fn.version)
    extra = vars(fn).setdefault(_EXTRA, {"version": version})
    if extra.setdefault("version", version) != version:
        extra = {key: value for key, value in extra.items() if key not in ("pending", "updating")}
        extra.update(version=version, RevisionId=str(uuid.uuid4()))
        vars(fn)[_EXTRA] = extra
    return extra


def dead_letter_target(fn: Any) -> str | None:
    """The function's DeadLetterConfig TargetArn (an SQS queue or SNS topic), if it has one."""
    return (_own(fn).get("DeadLetterConfig") or {}).get("TargetArn") or None


def shape(fn: Any, config: dict[str, Any], on_create: bool, *, updating: bool = False) -> dict[str, Any]:
    """moto's configuration of `fn` in AWS's form (`updating`: the answer to the update itself)."""
    extra = _own(fn)
    if not on_create and extra.pop("pending", False):  # Pending -> Active is an update: a new revision
        extra["RevisionId"] = str(uuid.uuid4())
    if updating:
        config.update(LastUpdateStatus="InProgress", LastUpdateStatusReason="The function is being created.",
                      LastUpdateStatusReasonCode="Creating")
    elif extra.pop("updating", False):  # InProgress -> Successful: a new revision
        extra["RevisionId"] = str(uuid.uuid4())
    if not config.get("Layers"):
        config.pop("Layers", None)
    config["RevisionId"] = extra.setdefault("RevisionId", str(uuid.uuid4()))
    if "Environment" not in config and extra.get("Environment") is not None:
        config["Environment"] = {"Variables": {}, **extra["Environment"]}  # an empty Environment is echoed
    logging_config = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{fn.function_name}"}
    config["LoggingConfig"] = {**logging_config, **(extra.get("LoggingConfig") or {})}
    dead_letter = extra.get("DeadLetterConfig")
    if dead_letter and dead_letter.get("TargetArn"):
        config["DeadLetterConfig"] = dead_letter
    runtime = config.get("Runtime")
    if runtime and config.get("PackageType", "Zip") == "Zip":
        digest = hashlib.sha256(runtime.encode()).hexdigest()
        config["RuntimeVersionConfig"] = {"RuntimeVersionArn": f"arn:aws:lambda:{fn.region}::runtime:{digest}"}
    if on_create:
        config.update(State="Pending", StateReason="The function is being created.", StateReasonCode="Creating")
        config.pop("LastUpdateStatus", None)
    return config


def response_too_large(limit: int) -> bytes:
    """The payload of an invocation whose response is above AWS's limit."""
    return json.dumps({
        "errorMessage": f"Response payload size exceeded maximum allowed payload size ({limit} bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }).encode()
