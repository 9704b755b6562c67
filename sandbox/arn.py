"""Amazon Resource Names: the one parser and builder the project uses (deploy and localcloud).

Format: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
``arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE``, where RESOURCE is ``type/id``, ``type:id`` or
``id``; S3 bucket ARNs have no region or account (``arn:aws:s3:::bucket``), IAM ARNs no region.
"""

from __future__ import annotations

from dataclasses import dataclass


class ArnError(ValueError):
    """A string that is not an ARN of the expected shape."""


@dataclass(frozen=True)
class Arn:
    """A parsed ARN; `str(arn)` gives it back."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    @classmethod
    def parse(cls, text: str) -> "Arn":
        """Split an ARN into its fields (raises ArnError for anything else)."""
        parts = text.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn" or not parts[2]:
            raise ArnError(f"{text!r} is not an ARN (arn:aws:SERVICE:REGION:ACCOUNT:RESOURCE)")
        return cls(parts[1], parts[2], parts[3], parts[4], parts[5])

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"

    @property
    def resource_type(self) -> str:
        """``stream`` of ``stream/Orders``, ``function`` of ``function:f:1``; '' for a bare id."""
        for sep in ("/", ":"):
            head, found, _ = self.resource.partition(sep)
            if found:
                return head
        return ""

    @property
    def resource_id(self) -> str:
        """``Orders`` of ``stream/Orders``, ``f`` of ``function:f:1``, the queue of an SQS ARN."""
        if self.service == "lambda":
            return self.resource.split(":")[1] if self.resource.startswith("function:") else self.resource
        for sep in ("/", ":"):
            head, found, rest = self.resource.partition(sep)
            if found:
                return rest
        return self.resource

    @property
    def qualifier(self) -> str | None:
        """The version or alias of a qualified Lambda function ARN (``function:NAME:QUALIFIER``)."""
        parts = self.resource.split(":")
        return parts[2] if self.service == "lambda" and len(parts) == 3 else None

    def unqualified(self) -> "Arn":
        """A Lambda function ARN without its version or alias."""
        if self.qualifier is None:
            return self
        return Arn(self.partition, self.service, self.region, self.account, self.resource.rsplit(":", 1)[0])


def parse_as(text: str, service: str, resource_type: str | None = None) -> Arn | None:
    """`text` parsed when it is an ARN of `service` (and `resource_type`), else None."""
    try:
        arn = Arn.parse(text)
    except ArnError:
        return None
    if arn.service != service or (resource_type is not None and arn.resource_type != resource_type):
        return None
    return arn


def build(service: str, region: str, account: str, resource: str, partition: str = "aws") -> str:
    """An ARN as AWS writes it: no region/account for S3 buckets, no region for IAM."""
    if service == "s3":
        region = account = ""
    elif service == "iam":
        region = ""
    return str(Arn(partition, service, region, account, resource))


def service_of(text: str) -> str:
    """The service of an ARN, or '' when `text` is not one."""
    try:
        return Arn.parse(text).service
    except ArnError:
        return ""


def name_of(text: str) -> str:
    """The name in an ARN (a function's, queue's, stream's, bucket's); a bare name passes through."""
    return Arn.parse(text).resource_id if text.startswith("arn:") else text


def bucket_name(bucket: str) -> str:
    """``arn:aws:s3:::name`` -> ``name`` (a bare name passes through)."""
    return name_of(bucket)


def function_arn(region: str, account: str, name: str, qualifier: str | None = None) -> str:
    resource = f"function:{name}" + (f":{qualifier}" if qualifier else "")
    return build("lambda", region, account, resource)
