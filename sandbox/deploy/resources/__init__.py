"""Resources as data: what a pipeline declares in `pipelines/<name>/resources.py`.

Each class knows how to apply itself idempotently (create, or update what differs, never a
duplicate) and destroy itself, through AWS APIs that LocalStack and real AWS also have. One module
per AWS service (s3, kinesis, dynamodb, sqs, sns, iam, awslambda, firehose, glue, opensearch);
base.py holds the Resource class and the references resolved at deploy time. A new resource type
is a class in its service's module and a name in the list below, so pipelines keep importing
everything from `sandbox.deploy.resources`.
"""

from sandbox.deploy.resources.awslambda import EventSourceMapping, Function, allow_invoke, build_zip, code_sha256
from sandbox.deploy.resources.base import Arn, Context, Outcome, QueueUrl, Resource, Setting, error_code, resolve_deep
from sandbox.deploy.resources.dynamodb import Table
from sandbox.deploy.resources.firehose import DeliveryStream
from sandbox.deploy.resources.glue import GlueCrawler, GlueDatabase
from sandbox.deploy.resources.iam import LAMBDA_POLICY, TRUST_POLICY, Role
from sandbox.deploy.resources.kinesis import Stream
from sandbox.deploy.resources.opensearch import IndexTemplate, _comparable
from sandbox.deploy.resources.s3 import Bucket
from sandbox.deploy.resources.sns import Subscription, Topic
from sandbox.deploy.resources.sqs import Queue

__all__ = [
    "Arn", "Bucket", "Context", "DeliveryStream", "EventSourceMapping", "Function", "GlueCrawler", "GlueDatabase",
    "IndexTemplate", "LAMBDA_POLICY", "Outcome", "Queue", "QueueUrl", "Resource", "Role", "Setting",
    "Stream", "Subscription", "TRUST_POLICY", "Table", "Topic", "_comparable", "allow_invoke", "build_zip",
    "code_sha256", "error_code", "resolve_deep",
]
