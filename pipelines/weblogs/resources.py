"""Pipeline 4 resources: Firehose WebLogs (DirectPut) → LogTransform → OpenSearch weblogs-YYYY-MM-DD,
failed documents backed up to s3://cadabra-datalake/es/. Buffering is the course's 5 MB / 60 s."""

from pipelines.weblogs import index_template
from sandbox.deploy.resources import Arn, Bucket, DeliveryStream, Function, IndexTemplate, Setting
from sandbox.settings import get_settings

_names = get_settings().names
_role = Arn.role(_names.lambda_role)

BUFFER_SECONDS = 60
BUFFER_MB = 5

RESOURCES = [
    Bucket(_names.datalake_bucket),
    IndexTemplate(index_template.TEMPLATE_NAME, body=index_template.body()),
    Function(_names.weblogs_function, pipeline="weblogs", timeout=60, memory=256),
    DeliveryStream(
        _names.weblogs_firehose,
        destination={
            "AmazonopensearchserviceDestinationConfiguration": {
                "RoleARN": _role,
                "ClusterEndpoint": Setting("opensearch_url_for_aws"),
                "IndexName": _names.weblogs_index,
                "IndexRotationPeriod": "OneDay",
                "BufferingHints": {"IntervalInSeconds": BUFFER_SECONDS, "SizeInMBs": BUFFER_MB},
                "RetryOptions": {"DurationInSeconds": 300},
                "S3BackupMode": "FailedDocumentsOnly",
                "S3Configuration": {
                    "RoleARN": _role,
                    "BucketARN": Arn.bucket(_names.datalake_bucket),
                    "Prefix": "es/",
                    "ErrorOutputPrefix": "es/errors/!{firehose:error-output-type}/",
                    "BufferingHints": {"IntervalInSeconds": BUFFER_SECONDS, "SizeInMBs": BUFFER_MB},
                    "CompressionFormat": "UNCOMPRESSED",
                },
                "ProcessingConfiguration": {
                    "Enabled": True,
                    "Processors": [
                        {
                            "Type": "Lambda",
                            "Parameters": [
                                {"ParameterName": "LambdaArn", "ParameterValue": Arn.function(_names.weblogs_function)},
                                {"ParameterName": "BufferSizeInMBs", "ParameterValue": "1"},
                                {"ParameterName": "BufferIntervalInSeconds", "ParameterValue": "60"},
                            ],
                        }
                    ],
                },
            }
        },
    ),
]
