"""Pipeline 5 resources: the catalog database orderlogs, its crawler over the lake, Athena's result bucket.

The crawler reads the whole lake bucket, as the course's does, leaving out pipeline 4's failed
OpenSearch documents (``es/``), the records PurchaseLogs could not deliver (``orders-errors/``: not
order lines, and a different schema) and pipeline 2's trained models (``models/``). Firehose writes one
object per buffer interval (the full data set is ~23,000 objects in ~2,900 hour folders, all with
the producer's schema), so the crawler samples 2 files per hour folder (S3Target SampleSize), as
one would on AWS to keep crawls short; every object still belongs to its partition.
"""

from sandbox.deploy.resources import Bucket, GlueCrawler, GlueDatabase
from sandbox.settings import get_settings

_names = get_settings().names
EXCLUSIONS = ("es/**", "orders-errors/**", "models/**")
SAMPLE_SIZE = 2

RESOURCES = [
    Bucket(_names.datalake_bucket),
    Bucket(_names.athena_results_bucket),
    GlueDatabase(_names.glue_database, description="Order lines of the Cadabra data lake (pipeline 5)"),
    GlueCrawler(_names.glue_crawler, _names.glue_database, (f"s3://{_names.datalake_bucket}/",), EXCLUSIONS,
                sample_size=SAMPLE_SIZE),
]
