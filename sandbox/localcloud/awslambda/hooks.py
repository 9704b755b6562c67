"""The Lambda extension's hook into moto: ``LambdaFunction.invoke`` runs the handler.

Every path that runs a function in moto ends in ``LambdaFunction.invoke``: the Invoke API
(``LambdaBackend.invoke``), SQS/DynamoDB/Kinesis/CloudWatch Logs triggers, S3 notifications. The
replacement reads the Invoke API's headers and qualifier and hands the call to the executor.
https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html

``LambdaFunction.get_configuration`` answers in AWS's form (answers.py); ``__init__``,
``update_configuration`` and ``update_function_code`` keep the fields moto drops and a RevisionId.

``LambdaClientError.__init__`` is wrapped so an error's body is the one AWS sends: `Type: User` and
the message under the member name the API models (`message`, or `Message` for some errors), which
SDKs expose as the exception's fields.
https://docs.aws.amazon.com/lambda/latest/api/CommonErrors.html
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from typing import Any
from urllib.parse import unquote

from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.awslambda import account, answers, provisioned
from sandbox.localcloud.awslambda.config import FunctionConfig, invoked_arn, zero_reserved_concurrency
from sandbox.localcloud.awslambda.executor import Executor, InvocationType, normalise_payload
from sandbox.localcloud.shared.actions import answer_actions

INVOKE = seam.target(
    "moto.awslambda.models:LambdaFunction", "invoke", "(self, body, request_headers, response_headers)"
)
ERROR = seam.target("moto.awslambda.exceptions:LambdaClientError", "__init__", "(self, error, message)")
CONFIGURATION = seam.target("moto.awslambda.models:LambdaFunction", "get_configuration", "(self, on_create=False)")
CREATED = seam.target("moto.awslambda.models:LambdaFunction", "__init__", "(self, account_id, spec, region, version=1)")
RECONFIGURED = seam.target("moto.awslambda.models:LambdaFunction", "update_configuration", "(self, config_updates)")
RECODED = seam.target("moto.awslambda.models:LambdaFunction", "update_function_code", "(self, updated_spec)")
# moto has no route for GET /2016-08-19/account-settings/: the Lambda app gets one to moto's dispatch,
# and the action is answered here (account.py). The server builds each service's app on first use.
APP = seam.target("moto.moto_server.threaded_moto_server:", "create_backend_app", "(service)")
ACTIONS = seam.target("moto.awslambda.responses:LambdaResponse", "call_action", "(self)")
# moto's ListAliases does not URL-decode the function name, so a function ARN is "not found".
LIST_ALIASES = seam.target("moto.awslambda.responses:LambdaResponse", "list_aliases", "(self)")
# moto decodes every body as UTF-8 and answers 500 when it is not: an Invoke payload keeps its bytes,
# and the executor refuses it as AWS does (InvalidRequestContentException).
SETUP = seam.target("moto.awslambda.responses:LambdaResponse", "setup_class",
                    "(self, request, full_url=None, headers=None, use_raw_body=None)")
# moto's Invoke answers Function.ResponseSizeTooLarge above 6,000,000 bytes (of sys.getsizeof); AWS's
# limit is 6,291,556 bytes of payload.
INVOKE_RESPONSE = seam.target("moto.awslambda.responses:LambdaResponse", "invoke", "(self)")
# moto accepts any InvokeMode and AuthType on a function URL configuration.
URL_CREATED = seam.target("moto.awslambda.responses:LambdaResponse", "create_function_url_config", "(self)")
URL_UPDATED = seam.target("moto.awslambda.responses:LambdaResponse", "update_function_url_config", "(self)")
# moto answers GetAlias, UpdateAlias and GetFunctionUrlConfig 201; AWS answers 200 (201 is for creations)
ALIAS_GOT = seam.target("moto.awslambda.responses:LambdaResponse", "get_alias", "(self)")
ALIAS_UPDATED = seam.target("moto.awslambda.responses:LambdaResponse", "update_alias", "(self)")
URL_GOT = seam.target("moto.awslambda.responses:LambdaResponse", "get_function_url_config", "(self)")
TARGETS = (INVOKE, ERROR, CONFIGURATION, CREATED, RECONFIGURED, RECODED, APP, ACTIONS, LIST_ALIASES, SETUP, INVOKE_RESPONSE,
           URL_CREATED, URL_UPDATED, ALIAS_GOT, ALIAS_UPDATED, URL_GOT)
# The request id of an invocation, from the Invoke hook to the answer's x-amzn-RequestId (moto's
# call_action gives every answer a random 52-character id; Lambda's are UUIDs).
INVOCATION_ID = "x-localcloud-invocation-id"
RESPONSE_LIMIT = 6_291_556
ROUTES = ("/<api_version>/account-settings/", "/<api_version>/functions/<function_name>/provisioned-concurrency")
# AWS's success status of the actions localcloud answers (answer_actions answers 200)
STATUS = {"PutProvisionedConcurrencyConfig": 202, "DeleteProvisionedConcurrencyConfig": 204}
OUR_PATHS = ("/account-settings", "/provisioned-concurrency")  # and /layers?find=LayerVersion


def install(patches: seam.Patches, executor: Executor) -> None:
    """Route moto's invocations to `executor`."""

    def make(_original: Any) -> Any:
        def invoke(fn: Any, body: Any, request_headers: Any, response_headers: Any) -> bytes:
            return invoke_from_moto(executor, fn, body, request_headers, response_headers)

        return invoke

    patches.replace(INVOKE, make)
    patches.replace(ERROR, _aws_error_body)
    patches.replace(CONFIGURATION, _aws_configuration)
    patches.replace(CREATED, lambda init: _checking_name(_remembering(init)))
    patches.replace(RECONFIGURED, _remembering)
    patches.replace(RECODED, _remembering)
    patches.replace(APP, _with_account_settings_route)
    patches.replace(ACTIONS, _lambda_actions)
    patches.replace(SETUP, _keeping_undecodable_body)
    patches.replace(INVOKE_RESPONSE, _within_awss_response_limit)
    patches.replace(LIST_ALIASES, lambda _original: _list_aliases)
    patches.replace(URL_CREATED, _validating_url_config)
    patches.replace(URL_UPDATED, _validating_url_config)
    patches.replace(ALIAS_GOT, _answering_200)
    patches.replace(ALIAS_UPDATED, _answering_200)
    patches.replace(URL_GOT, _answering_200)


def _answering_200(answer: Any) -> Any:
    def answered(response: Any) -> Any:
        _status, _headers, body = answer(response)
        return 200, {}, body

    return answered


# https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunctionUrlConfig.html: the enums as AWS lists them
URL_CONFIG_ENUMS = (("InvokeMode", "invokeMode", ("RESPONSE_STREAM", "BUFFERED")), ("AuthType", "authType", ("NONE", "AWS_IAM")))


def _validating_url_config(answer: Any) -> Any:
    def validated(response: Any) -> Any:
        body = response.json_body or {}
        problems = [
            f"Value '{body[field]}' at '{member}' failed to satisfy constraint: Member must satisfy enum value set: [{', '.join(allowed)}]"
            for field, member, allowed in URL_CONFIG_ENUMS
            if field in body and body[field] not in allowed
        ]
        if problems:
            count = f"{len(problems)} validation error{'s' if len(problems) > 1 else ''} detected: "
            raise seam.LambdaClientError("ValidationException", count + "; ".join(problems))
        return answer(response)

    return validated


def _lambda_actions(call_action: Any) -> Any:
    """moto's call_action, with the actions it lacks answered here and Lambda's UUID request ids."""
    answering = answer_actions({
        "GetAccountSettings": account.account_settings,
        "GetLayerVersionByArn": account.layer_version_by_arn,  # moto routes it to a method it lacks
        "PutProvisionedConcurrencyConfig": provisioned.put,
        "GetProvisionedConcurrencyConfig": provisioned.get,
        "DeleteProvisionedConcurrencyConfig": provisioned.delete,
        "ListProvisionedConcurrencyConfigs": provisioned.list_configs,
    })(call_action)

    def answer(response: Any) -> Any:
        path = response.path.rstrip("/")
        ours = path.endswith(OUR_PATHS) or (path.endswith("/layers") and seam.request_parameter("find"))
        status, headers, body = (answering if ours else call_action)(response)  # no second action lookup on Invoke
        if ours and status == 200:
            status = STATUS.get(response._get_action(), 200)
            body = "" if status == 204 else body
        headers["x-amzn-requestid"] = headers.pop(INVOCATION_ID, None) or str(uuid.uuid4())
        return status, headers, body

    return answer


def _keeping_undecodable_body(setup_class: Any) -> Any:
    def setup(response: Any, request: Any, full_url: Any = None, headers: Any = None, use_raw_body: Any = None) -> None:
        try:
            setup_class(response, request, full_url, headers, use_raw_body)
        except UnicodeDecodeError:
            setup_class(response, request, full_url, headers, True)

    return setup


def _within_awss_response_limit(_invoke: Any) -> Any:
    def invoke(response: Any) -> tuple[int, dict[str, str], bytes | str]:
        headers: dict[str, str] = {}
        function_name = unquote(response.path.rsplit("/", 2)[-2])
        try:
            payload = response.backend.invoke(function_name, None, response.body, response.headers, headers)
        except seam.LambdaClientError as error:
            raise _invoke_not_found(error) from None
        if payload is None:
            return 404, headers, "{}"
        kind = _header(response.headers, "X-Amz-Invocation-Type") or "RequestResponse"
        if kind == InvocationType.REQUEST_RESPONSE and len(payload) > RESPONSE_LIMIT:
            headers["x-amz-function-error"] = "Unhandled"
            payload = answers.response_too_large(RESPONSE_LIMIT)
        headers["content-type"] = "application/json"
        status = {InvocationType.EVENT: 202, InvocationType.DRY_RUN: 204}.get(kind, 200)
        headers["status"] = str(status)
        return status, headers, payload

    return invoke


def _list_aliases(response: Any) -> tuple[int, dict[str, str], str]:
    function_name = unquote(response.path.split("/")[-2])
    aliases = response.backend.list_aliases(function_name)
    return 200, {}, json.dumps({"Aliases": [alias.to_json() for alias in aliases]})


def _with_account_settings_route(create_backend_app: Any) -> Any:
    def create(service: Any) -> Any:
        app = create_backend_app(service)
        # moto names the Lambda service "awslambda" in its dispatcher
        dispatch = app.view_functions.get("LambdaResponse.dispatch") if service == "awslambda" else None
        for number, path in enumerate(ROUTES if dispatch is not None else ()):
            app.add_url_rule(path, endpoint=f"localcloud.lambda{number}", view_func=dispatch,
                             methods=["GET", "PUT", "DELETE"], strict_slashes=False)
        return app

    return create


def _aws_configuration(configuration: Any) -> Any:
    def get_configuration(fn: Any, on_create: bool = False) -> dict[str, Any]:
        return answers.shape(fn, configuration(fn, on_create), on_create)

    return get_configuration


def _remembering(change: Any) -> Any:
    def changed(fn: Any, *args: Any, **kwargs: Any) -> Any:
        result = change(fn, *args, **kwargs)
        spec = next((a for a in args if isinstance(a, dict)), None) or kwargs.get("spec") or {}
        # __init__ answers None; UpdateFunctionCode with Publish updates the version it just published
        created = result is None or str(fn.version) != "$LATEST"
        answers.remember(fn, spec, created=created)
        if isinstance(result, dict) and "FunctionArn" in result:
            return answers.shape(fn, result, created, updating=not created)
        return result

    return changed


# CreateFunction's FunctionName as AWS constrains it (a name, an ARN or a partial ARN, 1-140 chars;
# the name itself 1-64 of [a-zA-Z0-9-_]): moto accepts any string, including "../x", which would then
# name files. https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html#lambda-CreateFunction-request-FunctionName
FUNCTION_NAME = re.compile(
    r"(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]{1,64})"
)


def _checking_name(init: Any) -> Any:
    def __init__(fn: Any, account_id: str, spec: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        name = str(spec.get("FunctionName", ""))
        if not (len(name) <= 140 and FUNCTION_NAME.fullmatch(name)):
            raise seam.LambdaClientError(
                "ValidationException",
                f"1 validation error detected: Value '{name}' at 'functionName' failed to satisfy constraint: "
                f"Member must satisfy regular expression pattern: {FUNCTION_NAME.pattern}",
            )
        init(fn, account_id, spec, *args, **kwargs)

    return __init__


def _aws_error_body(init: Any) -> Any:
    def __init__(error: Any, code: str, message: str) -> None:
        init(error, code, message)
        error.description = json.dumps({"__type": code, "Type": "User", "message": message, "Message": message})

    return __init__


def invoke_from_moto(executor: Executor, fn: Any, body: Any, request_headers: Any, response_headers: dict[str, Any]) -> bytes:
    """One Invoke API call moto routed to ``LambdaFunction.invoke``: run it and set the answer's headers."""
    raw_kind = _header(request_headers, "X-Amz-Invocation-Type") or "RequestResponse"
    try:
        kind = InvocationType(raw_kind)
    except ValueError:
        choices = ", ".join(t.value for t in InvocationType)
        raise seam.LambdaClientError("InvalidParameterValueException", f"InvocationType {raw_kind!r}: use one of {choices}") from None
    qualifier = _requested_qualifier()
    if qualifier:
        fn = executor.function_version(fn, qualifier)
    config = FunctionConfig.of(fn)
    if kind is InvocationType.DRY_RUN:
        response_headers["x-amz-executed-version"] = config.version
        return b""
    payload = normalise_payload(body)
    request_id = str(uuid.uuid4())
    response_headers[INVOCATION_ID] = request_id
    called_arn = invoked_arn(config, qualifier)
    if kind is InvocationType.REQUEST_RESPONSE and zero_reserved_concurrency(fn):
        raise _throttled()
    if kind is InvocationType.EVENT:  # AWS's 202 names no executed version
        executor.enqueue(fn, payload, called_arn, request_id)
        return b""
    response_headers["x-amz-executed-version"] = config.version
    result, tail = executor.run(fn, config, payload, called_arn, request_id)
    if result.error:
        response_headers["x-amz-function-error"] = "Unhandled"
    if (_header(request_headers, "X-Amz-Log-Type") or "").lower() == "tail":
        response_headers["x-amz-log-result"] = base64.b64encode(tail).decode()
    return result.payload


def _throttled() -> Exception:
    """AWS's answer to a synchronous invocation of a function whose reserved concurrency is 0."""
    error = seam.LambdaClientError("TooManyRequestsException", "Rate Exceeded.")
    error.code = 429
    body = json.loads(error.description)
    error.description = json.dumps({**body, "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"})
    return error


def _header(headers: Any, name: str) -> str | None:
    if not headers:
        return None
    value = headers.get(name)
    if value is None and isinstance(headers, dict):
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value


def _requested_qualifier() -> str | None:
    """The Invoke API's qualifier: the ``Qualifier`` query parameter, or the one in the FunctionName
    (``NAME:QUALIFIER`` or a qualified ARN), if any.

    moto 5.2.5's ``LambdaResponse.invoke`` reads ``qualifier`` while boto3 sends ``Qualifier``, so
    it always runs $LATEST; the hook reads the parameter from the HTTP request moto serves.
    """
    explicit = seam.request_parameter("Qualifier")
    if explicit:
        return explicit
    name = unquote(seam.request_path().rstrip("/").rsplit("/", 2)[-2]) if "/invocations" in seam.request_path() else ""
    parts = name.split(":")
    if len(parts) == 8 or len(parts) == 2:  # arn:aws:lambda:REGION:ACCOUNT:function:NAME:QUALIFIER or NAME:QUALIFIER
        return parts[-1] or None
    return None


def _invoke_not_found(error: Any) -> Any:
    """Invoke's ResourceNotFoundException as AWS words it: the ARN with its qualifier ($LATEST when none)."""
    message = str(getattr(error, "message", ""))
    for prefix in ("Function not found: ", "Cannot find alias arn: "):
        if message.startswith(prefix):
            arn = message[len(prefix):]
            if arn.count(":") == 6:  # unqualified
                arn += ":$LATEST"
            not_found = seam.LambdaClientError("ResourceNotFoundException", f"Function not found: {arn}")
            not_found.code = 404
            return not_found
    return error
