"""The extensions LocalCloud installs, in install order: registered by import, not by name.

The Lambda extension comes first: it makes ``runtime.invoke`` run real handlers for the others.
A new extension (one package under sandbox/localcloud/ with an ``extension.py``) is one import and
one entry here; tests/localcloud/test_registry.py installs every entry and checks its hooks.
"""

from __future__ import annotations

from sandbox.localcloud.athena.extension import AthenaQueries
from sandbox.localcloud.awslambda.extension import LambdaExtension
from sandbox.localcloud.dynamodb.extension import DynamoDbExtras
from sandbox.localcloud.esm.extension import EventSourceMappings
from sandbox.localcloud.firehose.extension import FirehoseDelivery
from sandbox.localcloud.glue.extension import GlueCrawlers
from sandbox.localcloud.kinesis.extension import KinesisProtocol
from sandbox.localcloud.redshift_data.extension import RedshiftDataApi
from sandbox.localcloud.sns.extension import SnsExtension

EXTENSIONS = (LambdaExtension, EventSourceMappings, SnsExtension, FirehoseDelivery, GlueCrawlers,
              AthenaQueries, RedshiftDataApi, KinesisProtocol, DynamoDbExtras)

# The Docker stack's `sandbox` service serves these beside LocalStack Community, which lacks them.
DOCKER_EXTENSIONS = (GlueCrawlers, AthenaQueries, RedshiftDataApi)
