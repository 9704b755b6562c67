"""Pipeline 5 resources: the catalog database orderlogs, its crawler over the lake, Athena's result bucket.

The crawler reads the whole lake bucket, as the course's does, leaving out pipeline 3's failed
OpenSearch documents (``es/``) and pipeline 2's trained models (``models/``).
"""

from sandbox.deploy.resources import Bucket, GlueCrawler, GlueDatabase
from sandbox.settings import get_settings

_names = get_settings().names
EXCLUSIONS = ("es/**", "models/**")

RESOURCES = [
    Bucket(_names.datalake_bucket),
    Bucket(_names.athena_results_bucket),
    GlueDatabase(_names.glue_database, description="Order lines of the Cadabra data lake (pipeline 5)"),
    GlueCrawler(_names.glue_crawler, _names.glue_database, (f"s3://{_names.datalake_bucket}/",), EXCLUSIONS),
]
