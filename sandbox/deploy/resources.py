"""Resources as data: what a pipeline declares in `pipelines/<name>/resources.py`.

Each class knows how to apply itself idempotently (create, or update what differs, never a
duplicate) and destroy itself, through AWS APIs that LocalStack and real AWS also have.
Values that only exist after deploy (a queue's URL, a stream's ARN) are written as references
(`QueueUrl("X")`, `Arn.stream("X")`) and resolved by the engine.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, Protocol

from botocore.exceptions import ClientError

from sandbox.settings import PROJECT_ROOT, Settings


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DELETED = "deleted"
    ABSENT = "absent"


class Context(Protocol):
    settings: Settings

    def client(self, service: str) -> Any: ...

    def resolve(self, value: Any) -> Any: ...


def _error_code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


# -- references -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueUrl:
    queue: str

    def resolve(self, ctx: Context) -> str:
        return ctx.client("sqs").get_queue_url(QueueName=self.queue)["QueueUrl"]


@dataclass(frozen=True)
class Arn:
    """An ARN in the stack's account and region, e.g. Arn.stream('CadabraOrders')."""

    service: str
    resource: str

    @classmethod
    def stream(cls, name: str) -> "Arn":
        return cls("kinesis", f"stream/{name}")

    @classmethod
    def queue(cls, name: str) -> "Arn":
        return cls("sqs", name)

    @classmethod
    def topic(cls, name: str) -> "Arn":
        return cls("sns", name)

    @classmethod
    def function(cls, name: str) -> "Arn":
        return cls("lambda", f"function:{name}")

    @classmethod
    def bucket(cls, name: str) -> "Arn":
        return cls("s3", name)

    @classmethod
    def role(cls, name: str) -> "Arn":
        return cls("iam", f"role/{name}")

    def resolve(self, ctx: Context) -> str:
        s = ctx.settings
        if self.service == "s3":
            return f"arn:aws:s3:::{self.resource}"
        if self.service == "iam":
            return f"arn:aws:iam::{s.account_id}:{self.resource}"
        return f"arn:aws:{self.service}:{s.region}:{s.account_id}:{self.resource}"


@dataclass(frozen=True)
class Setting:
    """A value taken from the settings at deploy time, e.g. Setting('opensearch_url')."""

    attribute: str

    def resolve(self, ctx: Context) -> Any:
        return getattr(ctx.settings, self.attribute)


# -- resources ------------------------------------------------------------------------------


class Resource:
    kind: ClassVar[str]
    order: ClassVar[int]  # dependencies first: lower orders are applied first, destroyed last
    name: str

    def apply(self, ctx: Context) -> Outcome:
        raise NotImplementedError

    def destroy(self, ctx: Context) -> Outcome:
        raise NotImplementedError

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.name)


@dataclass(frozen=True)
class Bucket(Resource):
    name: str
    kind: ClassVar[str] = "bucket"
    order: ClassVar[int] = 10

    def apply(self, ctx: Context) -> Outcome:
        s3 = ctx.client("s3")
        try:
            s3.head_bucket(Bucket=self.name)
            return Outcome.UNCHANGED
        except ClientError as exc:
            if _error_code(exc) not in {"404", "NoSuchBucket", "NotFound"}:
                raise
        params: dict[str, Any] = {"Bucket": self.name}
        if ctx.settings.region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": ctx.settings.region}
        s3.create_bucket(**params)
        return Outcome.CREATED

    def destroy(self, ctx: Context) -> Outcome:
        s3 = ctx.client("s3")
        try:
            paginator = s3.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.name):
                keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
                if keys:
                    s3.delete_objects(Bucket=self.name, Delete={"Objects": keys})
            s3.delete_bucket(Bucket=self.name)
            return Outcome.DELETED
        except ClientError as exc:
            if _error_code(exc) in {"404", "NoSuchBucket"}:
                return Outcome.ABSENT
            raise


@dataclass(frozen=True)
class Stream(Resource):
    """A Kinesis data stream (provisioned)."""

    name: str
    shards: int = 2
    kind: ClassVar[str] = "stream"
    order: ClassVar[int] = 10

    def apply(self, ctx: Context) -> Outcome:
        kinesis = ctx.client("kinesis")
        try:
            summary = kinesis.describe_stream_summary(StreamName=self.name)["StreamDescriptionSummary"]
        except ClientError as exc:
            if _error_code(exc) != "ResourceNotFoundException":
                raise
            kinesis.create_stream(StreamName=self.name, ShardCount=self.shards)
            kinesis.get_waiter("stream_exists").wait(StreamName=self.name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
            return Outcome.CREATED
        if summary["OpenShardCount"] != self.shards:
            kinesis.update_shard_count(StreamName=self.name, TargetShardCount=self.shards, ScalingType="UNIFORM_SCALING")
            return Outcome.UPDATED
        return Outcome.UNCHANGED

    def destroy(self, ctx: Context) -> Outcome:
        try:
            ctx.client("kinesis").delete_stream(StreamName=self.name, EnforceConsumerDeletion=True)
            return Outcome.DELETED
        except ClientError as exc:
            if _error_code(exc) == "ResourceNotFoundException":
                return Outcome.ABSENT
            raise


@dataclass(frozen=True)
class Table(Resource):
    """A DynamoDB table, on-demand. Keys are (name, type) with type S, N or B."""

    name: str
    hash_key: tuple[str, str]
    range_key: tuple[str, str] | None = None
    stream_view: str | None = None  # e.g. NEW_AND_OLD_IMAGES enables DynamoDB Streams
    kind: ClassVar[str] = "table"
    order: ClassVar[int] = 10

    def apply(self, ctx: Context) -> Outcome:
        ddb = ctx.client("dynamodb")
        try:
            ddb.describe_table(TableName=self.name)
            return Outcome.UNCHANGED
        except ClientError as exc:
            if _error_code(exc) != "ResourceNotFoundException":
                raise
        keys = [self.hash_key] + ([self.range_key] if self.range_key else [])
        params: dict[str, Any] = {
            "TableName": self.name,
            "KeySchema": [{"AttributeName": n, "KeyType": t} for (n, _), t in zip(keys, ["HASH", "RANGE"])],
            "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in keys],
            "BillingMode": "PAY_PER_REQUEST",
        }
        if self.stream_view:
            params["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": self.stream_view}
        ddb.create_table(**params)
        ddb.get_waiter("table_exists").wait(TableName=self.name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        return Outcome.CREATED

    def destroy(self, ctx: Context) -> Outcome:
        try:
            ctx.client("dynamodb").delete_table(TableName=self.name)
            return Outcome.DELETED
        except ClientError as exc:
            if _error_code(exc) == "ResourceNotFoundException":
                return Outcome.ABSENT
            raise


@dataclass(frozen=True)
class Queue(Resource):
    name: str
    attributes: tuple[tuple[str, str], ...] = ()
    kind: ClassVar[str] = "queue"
    order: ClassVar[int] = 10

    def apply(self, ctx: Context) -> Outcome:
        sqs = ctx.client("sqs")
        try:
            url = sqs.get_queue_url(QueueName=self.name)["QueueUrl"]
        except ClientError as exc:
            if "NonExistentQueue" not in _error_code(exc) and _error_code(exc) != "QueueDoesNotExist":
                raise
            sqs.create_queue(QueueName=self.name, Attributes=dict(self.attributes))
            return Outcome.CREATED
        wanted = dict(self.attributes)
        if wanted:
            current = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(wanted))["Attributes"]
            if any(current.get(k) != v for k, v in wanted.items()):
                sqs.set_queue_attributes(QueueUrl=url, Attributes=wanted)
                return Outcome.UPDATED
        return Outcome.UNCHANGED

    def destroy(self, ctx: Context) -> Outcome:
        sqs = ctx.client("sqs")
        try:
            sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName=self.name)["QueueUrl"])
            return Outcome.DELETED
        except ClientError as exc:
            if "NonExistentQueue" in _error_code(exc) or _error_code(exc) == "QueueDoesNotExist":
                return Outcome.ABSENT
            raise


@dataclass(frozen=True)
class Topic(Resource):
    name: str
    kind: ClassVar[str] = "topic"
    order: ClassVar[int] = 10

    def apply(self, ctx: Context) -> Outcome:
        sns = ctx.client("sns")
        arn = Arn.topic(self.name).resolve(ctx)
        try:
            sns.get_topic_attributes(TopicArn=arn)
            return Outcome.UNCHANGED
        except ClientError as exc:
            if _error_code(exc) != "NotFound":
                raise
        sns.create_topic(Name=self.name)  # CreateTopic is itself idempotent
        return Outcome.CREATED

    def destroy(self, ctx: Context) -> Outcome:
        sns = ctx.client("sns")
        arn = Arn.topic(self.name).resolve(ctx)
        try:
            sns.get_topic_attributes(TopicArn=arn)
        except ClientError:
            return Outcome.ABSENT
        sns.delete_topic(TopicArn=arn)
        return Outcome.DELETED


@dataclass(frozen=True)
class Subscription(Resource):
    """topic → endpoint; endpoint may be a reference (Arn.function('X'), Arn.queue('Q'))."""

    topic: str
    protocol: str
    endpoint: Any
    raw_message_delivery: bool = False
    kind: ClassVar[str] = "subscription"
    order: ClassVar[int] = 40

    @property
    def name(self) -> str:  # type: ignore[override]
        endpoint = self.endpoint.resource if isinstance(self.endpoint, Arn) else self.endpoint
        return f"{self.topic}->{self.protocol}:{endpoint}"

    def _existing(self, ctx: Context) -> str | None:
        sns = ctx.client("sns")
        endpoint = ctx.resolve(self.endpoint)
        for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=Arn.topic(self.topic).resolve(ctx)):
            for sub in page["Subscriptions"]:
                if sub["Protocol"] == self.protocol and sub["Endpoint"] == endpoint:
                    return sub["SubscriptionArn"]
        return None

    def apply(self, ctx: Context) -> Outcome:
        if self._existing(ctx):
            return Outcome.UNCHANGED
        attributes = {"RawMessageDelivery": "true"} if self.raw_message_delivery else {}
        ctx.client("sns").subscribe(
            TopicArn=Arn.topic(self.topic).resolve(ctx), Protocol=self.protocol,
            Endpoint=ctx.resolve(self.endpoint), Attributes=attributes, ReturnSubscriptionArn=True,
        )
        if self.protocol == "lambda":
            _allow_invoke(ctx, self.endpoint, "sns.amazonaws.com", Arn.topic(self.topic).resolve(ctx))
        return Outcome.CREATED

    def destroy(self, ctx: Context) -> Outcome:
        try:
            arn = self._existing(ctx)
        except ClientError:
            return Outcome.ABSENT
        if arn is None:
            return Outcome.ABSENT
        ctx.client("sns").unsubscribe(SubscriptionArn=arn)
        return Outcome.DELETED


def _allow_invoke(ctx: Context, function: Any, principal: str, source_arn: str) -> None:
    name = ctx.resolve(function).split(":")[-1]
    statement = "cadabra-" + hashlib.sha1(f"{principal}{source_arn}".encode()).hexdigest()[:12]
    try:
        ctx.client("lambda").add_permission(
            FunctionName=name, StatementId=statement, Action="lambda:InvokeFunction",
            Principal=principal, SourceArn=source_arn,
        )
    except ClientError as exc:
        if _error_code(exc) != "ResourceConflictException":
            raise


LAMBDA_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "logs:*", "kinesis:*", "dynamodb:*", "sqs:*", "sns:*", "s3:*", "firehose:*", "es:*",
            ],
            "Resource": "*",
        }
    ],
}
TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com", "firehose.amazonaws.com"]},
         "Action": "sts:AssumeRole"}
    ],
}


@dataclass(frozen=True)
class Role(Resource):
    """The execution role Lambda functions and Firehose assume."""

    name: str
    kind: ClassVar[str] = "role"
    order: ClassVar[int] = 5

    def apply(self, ctx: Context) -> Outcome:
        iam = ctx.client("iam")
        outcome = Outcome.UNCHANGED
        try:
            iam.get_role(RoleName=self.name)
        except ClientError as exc:
            if _error_code(exc) != "NoSuchEntity":
                raise
            iam.create_role(RoleName=self.name, AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))
            outcome = Outcome.CREATED
        iam.put_role_policy(RoleName=self.name, PolicyName="cadabra-pipelines", PolicyDocument=json.dumps(LAMBDA_POLICY))
        return outcome

    def destroy(self, ctx: Context) -> Outcome:
        iam = ctx.client("iam")
        try:
            iam.delete_role_policy(RoleName=self.name, PolicyName="cadabra-pipelines")
        except ClientError:
            pass
        try:
            iam.delete_role(RoleName=self.name)
            return Outcome.DELETED
        except ClientError as exc:
            if _error_code(exc) == "NoSuchEntity":
                return Outcome.ABSENT
            raise


def build_zip(sources: list[Path], root: Path) -> bytes:
    """A deterministic zip (fixed timestamps, sorted) so unchanged code has an unchanged CodeSha256."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(sources):
            info = zipfile.ZipInfo(str(path.relative_to(root)), date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    return buffer.getvalue()


def code_sha256(zip_bytes: bytes) -> str:
    return base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode()


@dataclass(frozen=True)
class Function(Resource):
    """A Python Lambda function whose zip holds `pipelines/<pipeline>/<module>.py` at its root."""

    name: str
    pipeline: str
    module: str = "handler"
    handler: str = "lambda_handler"
    runtime: str = "python3.11"
    timeout: int = 30
    memory: int = 256
    environment: tuple[tuple[str, Any], ...] = ()
    role: str = "cadabra-lambda-role"
    kind: ClassVar[str] = "function"
    order: ClassVar[int] = 20

    def zip_bytes(self) -> bytes:
        folder = PROJECT_ROOT / "pipelines" / self.pipeline
        return build_zip([folder / f"{self.module}.py"], folder)

    def _configuration(self, ctx: Context) -> dict[str, Any]:
        return {
            "Runtime": self.runtime,
            "Handler": f"{self.module}.{self.handler}",
            "Timeout": self.timeout,
            "MemorySize": self.memory,
            "Role": Arn.role(self.role).resolve(ctx),
            "Environment": {"Variables": {k: str(ctx.resolve(v)) for k, v in self.environment}},
        }

    def apply(self, ctx: Context) -> Outcome:
        lam = ctx.client("lambda")
        code = self.zip_bytes()
        wanted = self._configuration(ctx)
        try:
            current = lam.get_function_configuration(FunctionName=self.name)
        except ClientError as exc:
            if _error_code(exc) != "ResourceNotFoundException":
                raise
            lam.create_function(FunctionName=self.name, Code={"ZipFile": code}, Publish=False, **wanted)
            lam.get_waiter("function_active_v2").wait(FunctionName=self.name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
            return Outcome.CREATED
        outcome = Outcome.UNCHANGED
        if current.get("CodeSha256") != code_sha256(code):
            lam.update_function_code(FunctionName=self.name, ZipFile=code)
            lam.get_waiter("function_updated_v2").wait(FunctionName=self.name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
            outcome = Outcome.UPDATED
        current_env = (current.get("Environment") or {}).get("Variables", {})
        if any(current.get(k) != wanted[k] for k in ("Runtime", "Handler", "Timeout", "MemorySize", "Role")) or (
            current_env != wanted["Environment"]["Variables"]
        ):
            lam.update_function_configuration(FunctionName=self.name, **wanted)
            lam.get_waiter("function_updated_v2").wait(FunctionName=self.name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
            outcome = Outcome.UPDATED
        return outcome

    def destroy(self, ctx: Context) -> Outcome:
        try:
            ctx.client("lambda").delete_function(FunctionName=self.name)
            return Outcome.DELETED
        except ClientError as exc:
            if _error_code(exc) == "ResourceNotFoundException":
                return Outcome.ABSENT
            raise


@dataclass(frozen=True)
class EventSourceMapping(Resource):
    """A Lambda event source mapping; `source` is a reference to a stream, queue or table stream ARN."""

    function: str
    source: Any
    batch_size: int = 100
    batching_window: int = 0
    starting_position: str | None = "TRIM_HORIZON"  # None for SQS
    bisect_on_error: bool = False
    report_batch_item_failures: bool = False
    maximum_retry_attempts: int | None = None
    maximum_record_age: int | None = None
    on_failure: Any = None  # Arn of an SQS queue or SNS topic
    enabled: bool = True
    kind: ClassVar[str] = "event-source-mapping"
    order: ClassVar[int] = 30

    @property
    def name(self) -> str:  # type: ignore[override]
        source = self.source.resource if isinstance(self.source, Arn) else str(self.source)
        return f"{source}->{self.function}"

    def _parameters(self, ctx: Context) -> dict[str, Any]:
        params: dict[str, Any] = {
            "BatchSize": self.batch_size,
            "MaximumBatchingWindowInSeconds": self.batching_window,
            "Enabled": self.enabled,
            "FunctionResponseTypes": ["ReportBatchItemFailures"] if self.report_batch_item_failures else [],
        }
        if self.starting_position is not None:  # stream sources only
            params["BisectBatchOnFunctionError"] = self.bisect_on_error
            if self.maximum_retry_attempts is not None:
                params["MaximumRetryAttempts"] = self.maximum_retry_attempts
            if self.maximum_record_age is not None:
                params["MaximumRecordAgeInSeconds"] = self.maximum_record_age
            if self.on_failure is not None:
                params["DestinationConfig"] = {"OnFailure": {"Destination": ctx.resolve(self.on_failure)}}
        return params

    def _existing(self, ctx: Context) -> dict[str, Any] | None:
        lam = ctx.client("lambda")
        source_arn = ctx.resolve(self.source)
        for page in lam.get_paginator("list_event_source_mappings").paginate(FunctionName=self.function):
            for mapping in page["EventSourceMappings"]:
                if mapping["EventSourceArn"] == source_arn:
                    return mapping
        return None

    def apply(self, ctx: Context) -> Outcome:
        lam = ctx.client("lambda")
        params = self._parameters(ctx)
        current = self._existing(ctx)
        if current is None:
            create = dict(params, FunctionName=self.function, EventSourceArn=ctx.resolve(self.source))
            if self.starting_position is not None:
                create["StartingPosition"] = self.starting_position
            lam.create_event_source_mapping(**create)
            return Outcome.CREATED
        enabled = current.get("State") in {"Enabled", "Enabling", "Creating", "Updating"}
        differs = enabled != self.enabled or any(
            current.get(k) != v for k, v in params.items() if k not in {"Enabled", "FunctionResponseTypes"}
        ) or sorted(current.get("FunctionResponseTypes") or []) != sorted(params["FunctionResponseTypes"])
        if not differs:
            return Outcome.UNCHANGED
        lam.update_event_source_mapping(UUID=current["UUID"], FunctionName=self.function, **params)
        return Outcome.UPDATED

    def destroy(self, ctx: Context) -> Outcome:
        try:
            current = self._existing(ctx)
        except ClientError:
            return Outcome.ABSENT
        if current is None:
            return Outcome.ABSENT
        ctx.client("lambda").delete_event_source_mapping(UUID=current["UUID"])
        return Outcome.DELETED


@dataclass(frozen=True)
class DeliveryStream(Resource):
    """A Firehose delivery stream. `destination` is the Create call's destination parameters
    (e.g. {"ExtendedS3DestinationConfiguration": {...}}), with references resolved at deploy time."""

    name: str
    destination: dict[str, Any] = field(default_factory=dict, hash=False)
    source_stream: str | None = None  # a Kinesis stream name → KinesisStreamAsSource
    kind: ClassVar[str] = "delivery-stream"
    order: ClassVar[int] = 30

    CONFIG_TAG: ClassVar[str] = "cadabra:config-sha256"  # the declared configuration last applied

    def _create_parameters(self, ctx: Context) -> dict[str, Any]:
        params: dict[str, Any] = {"DeliveryStreamName": self.name, "DeliveryStreamType": "DirectPut"}
        if self.source_stream:
            params["DeliveryStreamType"] = "KinesisStreamAsSource"
            params["KinesisStreamSourceConfiguration"] = {
                "KinesisStreamARN": Arn.stream(self.source_stream).resolve(ctx),
                "RoleARN": Arn.role("cadabra-lambda-role").resolve(ctx),
            }
        params.update(_resolve_deep(ctx, self.destination))
        return params

    def apply(self, ctx: Context) -> Outcome:
        """Create the stream, or UpdateDestination when the declaration changed since the last deploy
        (tracked by a tag, so changes made at run time, e.g. the demo's lower buffering, stay)."""
        firehose = ctx.client("firehose")
        params = self._create_parameters(ctx)
        digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()
        try:
            description = firehose.describe_delivery_stream(DeliveryStreamName=self.name)["DeliveryStreamDescription"]
        except ClientError as exc:
            if _error_code(exc) != "ResourceNotFoundException":
                raise
            firehose.create_delivery_stream(**params, Tags=[{"Key": self.CONFIG_TAG, "Value": digest}])
            return Outcome.CREATED
        tags = firehose.list_tags_for_delivery_stream(DeliveryStreamName=self.name)["Tags"]
        if {t["Key"]: t["Value"] for t in tags}.get(self.CONFIG_TAG) == digest:
            return Outcome.UNCHANGED
        firehose.update_destination(
            DeliveryStreamName=self.name,
            CurrentDeliveryStreamVersionId=description["VersionId"],
            DestinationId=description["Destinations"][0]["DestinationId"],
            **_destination_update(firehose, params),
        )
        firehose.tag_delivery_stream(DeliveryStreamName=self.name, Tags=[{"Key": self.CONFIG_TAG, "Value": digest}])
        return Outcome.UPDATED

    def destroy(self, ctx: Context) -> Outcome:
        try:
            ctx.client("firehose").delete_delivery_stream(DeliveryStreamName=self.name)
            return Outcome.DELETED
        except ClientError as exc:
            if _error_code(exc) == "ResourceNotFoundException":
                return Outcome.ABSENT
            raise


_UPDATE_RENAMES = {"S3Configuration": "S3Update", "S3BackupConfiguration": "S3BackupUpdate"}


def _destination_update(firehose: Any, params: dict[str, Any]) -> dict[str, Any]:
    """UpdateDestination's parameters for a CreateDeliveryStream destination: `XDestinationConfiguration`
    becomes `XDestinationUpdate` with the fields the API lets change (e.g. not S3BackupMode)."""
    shapes = firehose.meta.service_model.operation_model("UpdateDestination").input_shape.members
    for key, config in params.items():
        if key.endswith("DestinationConfiguration"):
            update_key = key.replace("DestinationConfiguration", "DestinationUpdate")
            allowed = shapes[update_key].members
            return {update_key: {_UPDATE_RENAMES.get(k, k): v for k, v in config.items()
                                 if _UPDATE_RENAMES.get(k, k) in allowed}}
    raise ValueError("a delivery stream needs one ...DestinationConfiguration")


@dataclass(frozen=True)
class GlueDatabase(Resource):
    """A Glue Data Catalog database (the catalog entry crawlers and Athena use)."""

    name: str
    description: str = ""
    kind: ClassVar[str] = "glue-database"
    order: ClassVar[int] = 10

    def apply(self, ctx: Context) -> Outcome:
        glue = ctx.client("glue")
        try:
            glue.get_database(Name=self.name)
            return Outcome.UNCHANGED
        except ClientError as exc:
            if _error_code(exc) != "EntityNotFoundException":
                raise
        glue.create_database(DatabaseInput={"Name": self.name, "Description": self.description})
        return Outcome.CREATED

    def destroy(self, ctx: Context) -> Outcome:
        try:
            ctx.client("glue").delete_database(Name=self.name)
            return Outcome.DELETED
        except ClientError as exc:
            if _error_code(exc) == "EntityNotFoundException":
                return Outcome.ABSENT
            raise


def _resolve_deep(ctx: Context, value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _resolve_deep(ctx, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_resolve_deep(ctx, v) for v in value]
    return ctx.resolve(value)


@dataclass(frozen=True)
class IndexTemplate(Resource):
    """An OpenSearch composable index template on the stack's search endpoint (`body` is the template)."""

    name: str
    body: dict[str, Any] = field(default_factory=dict, hash=False)
    kind: ClassVar[str] = "index-template"
    order: ClassVar[int] = 10

    def _client(self, ctx: Context) -> Any:
        from opensearchpy import OpenSearch

        return OpenSearch(hosts=[ctx.settings.opensearch_url], timeout=10)

    def apply(self, ctx: Context) -> Outcome:
        from opensearchpy.exceptions import NotFoundError

        client = self._client(ctx)
        try:
            current = client.indices.get_index_template(name=self.name)["index_templates"][0]["index_template"]
        except NotFoundError:
            current = None
        declared = {key: current.get(key) for key in self.body} if current is not None else None
        if declared is not None and _comparable(declared) == _comparable(self.body):
            return Outcome.UNCHANGED
        client.indices.put_index_template(name=self.name, body=self.body)
        return Outcome.CREATED if current is None else Outcome.UPDATED

    def destroy(self, ctx: Context) -> Outcome:
        from opensearchpy.exceptions import NotFoundError

        try:
            self._client(ctx).indices.delete_index_template(name=self.name)
            return Outcome.DELETED
        except NotFoundError:
            return Outcome.ABSENT


def _comparable(body: dict[str, Any]) -> Any:
    """A template as OpenSearch stores it: settings flattened without the `index.` prefix
    ({"index": {"number_of_shards": "1"}} == {"number_of_shards": 1}), scalars as strings."""
    body = dict(body)
    template = dict(body.get("template") or {})
    if "settings" in template:
        template["settings"] = {k.removeprefix("index."): v for k, v in _flatten(template["settings"]).items()}
    body["template"] = template
    return _canonical(body)


def _flatten(settings: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in settings.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _canonical(value: Any) -> Any:
    """Compare templates as OpenSearch returns them: it answers numbers and booleans in settings as strings."""
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return str(value).lower() if isinstance(value, bool) else str(value)
