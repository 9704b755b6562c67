"""The one seam between localcloud and moto: every read of moto's state and every patch goes here.

No other module imports moto. What crosses the seam:

- **backends**: ``backend(service, account, region)`` (moto's per-account, per-region state, created
  on first use as moto does) and ``backends(service)`` (only those that exist, for scans);
- **patches**: a hook module declares each moto attribute it replaces with ``target(...)``, naming
  the signature it was written for; an extension installs its replacements with a ``Patches``
  (``patches.replace(TARGET, make)``, ``make(original) -> replacement``) and ``patches.undo()``
  restores them, in reverse order. ``check_targets()`` compares every declared target with the
  installed moto (tests/localcloud/test_moto_seam.py fails on another version);
- **moto's own types** the hooks answer with (exceptions, response results), the threaded server
  and moto's reset.

moto is pinned in pyproject.toml to ``MOTO_VERSION``: the patches rely on its internals.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import moto
from moto.awslambda.exceptions import LambdaClientError
from moto.core.exceptions import JsonRESTError as MotoRESTError, ServiceException as MotoServiceError
from moto.cloudwatch.models import MetricAggregatedDatum as CloudWatchStatisticSet
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.events.models import EventPattern, EventPatternParser
from moto.core.responses import ActionResult, EmptyResult
from moto.core.eventstream import EventStreamEncoder
from moto.core.utils import utcnow
from moto.kinesis.models import Record as KinesisRecord
from moto.logs.models import LogEvent
from moto.firehose.exceptions import (
    ConcurrentModificationException as FirehoseConcurrentModification,
    InvalidArgumentException as FirehoseInvalidArgument,
    ResourceNotFoundException as FirehoseResourceNotFound,
)
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.sqs.exceptions import QueueDoesNotExist as SqsQueueDoesNotExist

log = logging.getLogger(__name__)

MOTO_VERSION = "5.2.5"

__all__ = [
    "ActionResult",
    "CloudWatchStatisticSet",
    "DEFAULT_ACCOUNT_ID",
    "EmptyResult",
    "EventPattern",
    "EventStreamEncoder",
    "EventPatternParser",
    "FirehoseConcurrentModification",
    "FirehoseInvalidArgument",
    "FirehoseResourceNotFound",
    "KinesisRecord",
    "LogEvent",
    "LambdaClientError",
    "MOTO_VERSION",
    "MotoRESTError",
    "MotoServiceError",
    "Patches",
    "SqsQueueDoesNotExist",
    "Target",
    "ThreadedMotoServer",
    "backend",
    "backends",
    "check_targets",
    "request_parameter",
    "request_path",
    "reset_moto",
    "glue_partitions",
    "s3_latest",
    "s3_listing",
    "target",
    "utcnow",
]

# -- backends -------------------------------------------------------------------------------------
# service -> "module:BackendDict"; glue, athena and redshift-data are listed for the extensions
# that will read the catalog and query state.
BACKENDS: dict[str, str] = {
    "athena": "moto.athena.models:athena_backends",
    "cloudwatch": "moto.cloudwatch.models:cloudwatch_backends",
    "dynamodb": "moto.dynamodb.models:dynamodb_backends",
    "firehose": "moto.firehose.models:firehose_backends",
    "glue": "moto.glue.models:glue_backends",
    "kinesis": "moto.kinesis.models:kinesis_backends",
    "kms": "moto.kms.models:kms_backends",
    "lambda": "moto.awslambda.models:lambda_backends",
    "lambda-simple": "moto.awslambda_simple.models:lambda_simple_backends",
    "logs": "moto.logs.models:logs_backends",
    "redshift-data": "moto.redshiftdata.models:redshiftdata_backends",
    "s3": "moto.s3.models:s3_backends",
    "sns": "moto.sns.models:sns_backends",
    "sqs": "moto.sqs.models:sqs_backends",
    "sts": "moto.sts.models:sts_backends",
}


def _resolve(path: str) -> Any:
    module_name, _, attribute = path.partition(":")
    found: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        found = getattr(found, part)
    return found


def backend(service: str, account_id: str, region: str) -> Any:
    """moto's state for `service` in one account and region (S3: region is the partition, "aws")."""
    return _resolve(BACKENDS[service])[account_id][region]


def backends(service: str) -> Iterator[tuple[str, str, Any]]:
    """(account, region, backend) for every region backend of `service` moto has created so far."""
    for account_id, regions in list(dict.items(_resolve(BACKENDS[service]))):
        for region, found in list(dict.items(regions)):
            yield account_id, region, found


def reset_moto() -> None:
    """What ``POST /moto-api/reset`` does: every backend back to empty."""
    _resolve("moto.moto_api._internal.models:moto_api_backend").reset()


# -- S3 objects read in-process ------------------------------------------------------------------
# What GetObject and ListObjectsV2 (no delimiter) answer, read from moto's S3 backend without HTTP,
# for extensions that run in the process serving S3 (shared/s3_objects.py). Each answers None where
# the API would answer anything but the plain case (a bucket of another account, a delete marker,
# an archived object, a key being replaced): the caller then asks the API, which gives the answer
# or the error moto's server would.
ARCHIVED = ("GLACIER", "DEEP_ARCHIVE")  # moto.s3.utils.ARCHIVE_STORAGE_CLASSES: GetObject refuses them


def _plain_bucket(account_id: str, bucket: str) -> Any:
    found = backend("s3", account_id, "aws").buckets.get(bucket)
    store = getattr(found, "keys", None)
    return found if type(found).__name__ == "FakeBucket" and isinstance(store, dict) else None


def s3_latest(account_id: str, bucket: str, key: str) -> tuple[bytes, str] | None:
    """(body, ETag) of the latest version of `key`, as GetObject without a version returns it."""
    found = _plain_bucket(account_id, bucket)
    if found is None:
        return None
    latest = found.keys.get(key)  # the latest version, as GetObject without VersionId reads it
    if type(latest).__name__ != "FakeKey" or latest.storage_class in ARCHIVED:
        return None
    try:
        return latest.value, latest.etag
    except ValueError:  # its buffer was closed: the key was replaced or deleted meanwhile
        return None


def s3_listing(account_id: str, bucket: str, prefix: str) -> list[tuple[str, int, str]] | None:
    """(key, size, ETag) of every object under `prefix`, in key order, as ListObjectsV2's pages list them."""
    found = _plain_bucket(account_id, bucket)
    if found is None:
        return None
    store = found.keys
    names = sorted(name for name in list(dict.keys(store)) if name.startswith(prefix))
    listed = []
    for name in names:
        latest = store.get(name)  # the latest version; a delete marker is not listed
        if type(latest).__name__ == "FakeKey":
            listed.append((name, latest.size, latest.etag))
    return listed


def glue_partitions(account_id: str, region: str, database: str, table: str) -> list[tuple[list[str], str]] | None:
    """(Values, StorageDescriptor Location) of every partition of database.table, in GetPartitions'
    order (moto answers all of them in one page, ~2 ms of serialising per partition over HTTP);
    None when moto has no such table (the API then gives the error)."""
    try:
        found = backend("glue", account_id, region).get_table(database, table)
    except Exception:  # moto's EntityNotFound...: left to the API
        return None
    return [(list(p.values), (p.partition_input.get("StorageDescriptor") or {}).get("Location", ""))
            for p in list(found.partitions.values())]


def request_parameter(name: str) -> str | None:
    """A query parameter of the HTTP request moto's server is answering on this thread, if any."""
    from flask import has_request_context, request

    if not has_request_context():
        return None
    return request.args.get(name) or None


def request_path() -> str:
    """The path of the HTTP request moto's server is answering on this thread ('' outside one)."""
    from flask import has_request_context, request

    return request.path if has_request_context() else ""


# -- patches --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """A moto attribute localcloud replaces, and the signature the replacement was written for."""

    owner: str  # "module:Class" (or a module: "module:")
    attribute: str
    signature: str  # parameter names and defaults, without annotations: "(self, body, request_headers)"

    @property
    def name(self) -> str:
        module, _, owner = self.owner.partition(":")
        return f"{module}.{owner + '.' if owner else ''}{self.attribute}"

    def owner_object(self) -> Any:
        module, _, owner = self.owner.partition(":")
        return _resolve(f"{module}:{owner}") if owner else importlib.import_module(module)

    def current(self) -> Any:
        """The raw attribute as it is now (a property object stays a property)."""
        owner = self.owner_object()
        for klass in inspect.getmro(owner) if inspect.isclass(owner) else (owner,):
            if self.attribute in vars(klass):
                return vars(klass)[self.attribute]
        raise AttributeError(f"moto {moto.__version__} has no {self.name}")

    def installed_signature(self) -> str:
        raw = self.current()
        function = raw.fget if isinstance(raw, property) else raw
        return _plain(inspect.signature(function))


def _plain(signature: inspect.Signature) -> str:
    parameters = [p.replace(annotation=inspect.Parameter.empty) for p in signature.parameters.values()]
    return str(signature.replace(parameters=parameters, return_annotation=inspect.Signature.empty))


TARGETS: dict[str, Target] = {}


def target(owner: str, attribute: str, signature: str) -> Target:
    """Declare a moto attribute a hook replaces (checked against moto by ``check_targets``)."""
    declared = Target(owner, attribute, signature)
    TARGETS.setdefault(declared.name, declared)
    return declared


def check_targets(targets: Iterator[Target] | list[Target] | None = None) -> list[str]:
    """What no longer matches the installed moto: missing attributes, changed signatures."""
    problems = []
    for declared in list(targets if targets is not None else TARGETS.values()):
        try:
            found = declared.installed_signature()
        except (AttributeError, ImportError) as exc:
            problems.append(f"{declared.name}: gone ({exc})")
            continue
        if found != declared.signature:
            problems.append(f"{declared.name}: moto {moto.__version__} has {found}, the hook was written for {declared.signature}")
    return problems


class Patches:
    """The replacements one extension installed, undone together in reverse order."""

    def __init__(self) -> None:
        self._installed: list[tuple[Target, Any, Any, bool]] = []  # target, previous, replacement, owned

    def replace(self, declared: Target, make: Callable[[Any], Any]) -> Any:
        """Install `make(original)` in place of `declared`; returns the original (raw) attribute."""
        owner = declared.owner_object()
        previous = declared.current()
        owned = declared.attribute in vars(owner)
        replacement = make(previous)
        if callable(replacement) and not isinstance(replacement, property):
            replacement.__doc__ = replacement.__doc__ or f"localcloud's replacement for {declared.name}."
        setattr(owner, declared.attribute, replacement)
        self._installed.append((declared, previous, replacement, owned))
        return previous

    def undo(self) -> None:
        """Restore every replaced attribute (the last installed first)."""
        while self._installed:
            declared, previous, replacement, owned = self._installed.pop()
            owner = declared.owner_object()
            if vars(owner).get(declared.attribute) is not replacement:
                log.warning("%s was replaced again after localcloud patched it; restoring moto's anyway", declared.name)
            if owned:
                setattr(owner, declared.attribute, previous)
            else:
                delattr(owner, declared.attribute)

    def __bool__(self) -> bool:
        return bool(self._installed)
