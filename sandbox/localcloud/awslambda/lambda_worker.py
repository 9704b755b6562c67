"""One warm Lambda execution environment: imports the handler once, then runs invocations.

Started by process.py as ``python lambda_worker.py REQUEST_FD RESPONSE_FD`` with the
function's environment (``_HANDLER``, ``LAMBDA_TASK_ROOT``, ``AWS_LAMBDA_*``...). It behaves as the
AWS Python runtime does (https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html,
https://docs.aws.amazon.com/lambda/latest/dg/python-context.html,
https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html): the init phase imports the
handler module with the task root first on ``sys.path``; each invocation calls
``handler(event, context)`` and answers the JSON result or an error document with errorMessage,
errorType, requestId and stackTrace.

Deliberately stdlib-only and independent of the ``sandbox`` package, so the handler sees the same
``sys.path`` and modules it would see on AWS (plus the venv's site-packages, where boto3 lives).

Protocol (one invocation at a time, the executor serialises use of a worker):
- frames on the two pipes: 8 bytes ``>II`` (meta length, body length), meta as JSON, raw body;
- requests: meta ``{"id", "arn", "deadline_ms"}`` (deadline in epoch milliseconds), body = event JSON;
- responses: meta ``{"status": "ok"|"error", "marker", "max_memory_mb"}``, body = result or error doc;
- the handler's stdout/stderr (fd 1 and 2) go to one pipe the executor turns into CloudWatch Logs;
  before each response the worker writes ``END_MARKER + token + "\\n"`` there, so the executor knows
  which log bytes belong to which invocation.
- the first response frame (token "init") reports the init phase: ``{"status": "ok"|"error"}``.
"""

from __future__ import annotations

import decimal
import importlib
import json
import logging
import os
import struct
import sys
import time
import traceback
from typing import Any, Callable

HEAD = struct.Struct(">II")
END_MARKER = b"\x00LOCALCLOUD-END "
INIT_TOKEN = "init"

_current_request_id = ""
AWS_TASK_ROOT = "/var/task"  # the task root in stack traces, as AWS shows it


class LambdaContext:
    """The context object of the Python runtime (attribute names as AWS documents them)."""

    def __init__(self, request_id: str, invoked_function_arn: str, deadline_ms: int) -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_function_arn
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))

    def log(self, message: str) -> None:
        sys.stdout.write(message)


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = _current_request_id
        return True


def _install_logging() -> None:
    """The runtime's root handler: ``[LEVEL]<TAB>timestamp<TAB>request id<TAB>message``."""
    formatter = logging.Formatter("[%(levelname)s]\t%(asctime)s\t%(aws_request_id)s\t%(message)s")
    formatter.converter = time.gmtime
    formatter.default_time_format = "%Y-%m-%dT%H:%M:%S"
    formatter.default_msec_format = "%s.%03dZ"
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]


def _read_exact(fd: int, size: int) -> bytes:
    chunks = []
    while size:
        chunk = os.read(fd, size)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int) -> tuple[dict[str, Any], bytes]:
    meta_len, body_len = HEAD.unpack(_read_exact(fd, HEAD.size))
    meta = json.loads(_read_exact(fd, meta_len))
    body = _read_exact(fd, body_len) if body_len else b""
    return meta, body


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def encode_frame(meta: dict[str, Any], body: bytes = b"") -> bytes:
    raw = json.dumps(meta).encode()
    return HEAD.pack(len(raw), len(body)) + raw + body


def _json_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _error_doc(exc: BaseException | None, error_type: str | None = None, message: str | None = None) -> dict[str, Any]:
    """The runtime's error document; the trace starts in the user's code (no runtime frames)."""
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__ if exc is not None else None)
        if frame.filename != __file__ and not _is_import_machinery(frame.filename)
    ]
    doc: dict[str, Any] = {
        "errorMessage": str(exc) if message is None else message,
        "errorType": error_type or type(exc).__name__,
    }
    doc["requestId"] = _current_request_id  # "" for an error while the handler loads, as AWS reports it
    doc["stackTrace"] = traceback.format_list([_as_on_aws(frame) for frame in frames])
    return doc


def _as_on_aws(frame: traceback.FrameSummary) -> traceback.FrameSummary:
    """The frame with the task root shown as AWS's `/var/task` (where the code runs there)."""
    root = os.environ.get("LAMBDA_TASK_ROOT", "")
    if not root or not frame.filename.startswith(root.rstrip("/") + "/"):
        return frame
    filename = AWS_TASK_ROOT + frame.filename[len(root.rstrip("/")):]
    return traceback.FrameSummary(filename, frame.lineno, frame.name, line=frame.line)


def _is_import_machinery(filename: str) -> bool:
    return filename.startswith("<frozen importlib") or filename == importlib.__file__


def _log_error(doc: dict[str, Any], exc: BaseException) -> None:
    """What the runtime writes for an unhandled error: ``[ERROR] Type: message`` and the traceback."""
    lines = [f"[ERROR] {doc['errorType']}: {doc['errorMessage']}", "Traceback (most recent call last):"]
    lines += [frame.rstrip("\n") for frame in doc["stackTrace"]]
    sys.stdout.write("\n".join(lines) + "\n")


def _load_handler(spec: str) -> Callable[[Any, Any], Any]:
    """Import ``module.function`` (``dir/module.function`` too) as the runtime's init phase does."""
    try:
        module_path, function_name = spec.rsplit(".", 1)
    except ValueError as exc:
        raise _InitError("Runtime.MalformedHandlerName", f"Bad handler '{spec}': {exc}", exc) from None
    module_name = module_path.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except SyntaxError as exc:
        raise _InitError("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {exc}", exc) from None
    except ImportError as exc:
        raise _InitError("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}", exc) from None
    handler = getattr(module, function_name, None)
    if handler is None:
        raise _InitError("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'", None)
    return handler


class _InitError(Exception):
    def __init__(self, error_type: str, message: str, cause: BaseException | None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.cause = cause


def _finish(resp_fd: int, token: str, status: str, body: bytes) -> None:
    """Flush the handler's output, mark the end of its logs, then answer."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
    marker = True
    try:
        write_all(1, END_MARKER + token.encode() + b"\n")
    except OSError:  # the handler closed or replaced fd 1: the executor stops waiting for the marker
        marker = False
    max_memory_mb = _memory_used_mb()
    write_all(resp_fd, encode_frame({"status": status, "marker": marker, "max_memory_mb": max_memory_mb}, body))


def _memory_used_mb() -> int:
    """Resident memory now (ru_maxrss would count the executor's pages inherited at fork)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            resident_pages = int(statm.read().split()[1])
        return resident_pages * _PAGE_SIZE // (1024 * 1024)
    except (OSError, ValueError, IndexError):
        return 0


_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def _invoke(handler: Callable[[Any, Any], Any], meta: dict[str, Any], body: bytes) -> tuple[str, bytes]:
    context = LambdaContext(meta["id"], meta["arn"], meta["deadline_ms"])
    try:
        event = json.loads(body) if body else {}
        result = handler(event, context)
    except Exception as exc:
        doc = _error_doc(exc)
        _log_error(doc, exc)
        return "error", json.dumps(doc).encode()
    try:
        return "ok", json.dumps(result, default=_json_default).encode()
    except (TypeError, ValueError) as exc:
        doc = {
            "errorMessage": f"Unable to marshal response: {exc}",
            "errorType": "Runtime.MarshalError",
            "requestId": _current_request_id,
            "stackTrace": [],
        }
        _log_error(doc, exc)
        return "error", json.dumps(doc).encode()


def main(argv: list[str]) -> int:
    global _current_request_id
    req_fd, resp_fd = int(argv[1]), int(argv[2])
    task_root = os.environ["LAMBDA_TASK_ROOT"]
    runtime_dir = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [task_root] + [p for p in sys.path if p and os.path.abspath(p) != runtime_dir]
    os.chdir(task_root)
    _install_logging()

    try:
        handler = _load_handler(os.environ["_HANDLER"])
    except _InitError as exc:
        traced = exc.cause if isinstance(exc.cause, SyntaxError) else None  # AWS shows no trace for import errors
        doc = _error_doc(traced, exc.error_type, str(exc))
        _log_error(doc, exc)
        _finish(resp_fd, INIT_TOKEN, "error", json.dumps(doc).encode())
        return 0
    except Exception as exc:  # an exception raised while the module ran its init code
        doc = _error_doc(exc)
        _log_error(doc, exc)
        _finish(resp_fd, INIT_TOKEN, "error", json.dumps(doc).encode())
        return 0
    _finish(resp_fd, INIT_TOKEN, "ok", b"")

    while True:
        try:
            meta, body = read_frame(req_fd)
        except EOFError:  # the executor closed the pipe: this environment is retired
            return 0
        _current_request_id = meta["id"]
        status, answer = _invoke(handler, meta, body)
        _finish(resp_fd, meta["id"], status, answer)
        _current_request_id = ""


if __name__ == "__main__":
    sys.exit(main(sys.argv))
