"""The checks CreateDeliveryStream / UpdateDestination make that moto 5.2.5 skips.

https://docs.aws.amazon.com/firehose/latest/APIReference/API_BufferingHints.html (SizeInMBs 1-128,
IntervalInSeconds 0-900), https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html (prefix
rules), https://docs.aws.amazon.com/firehose/latest/APIReference/API_AmazonopensearchserviceRetryOptions.html
(DurationInSeconds 0-7200) and the index rotation periods.
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from sandbox.localcloud.firehose import prefixes


class ConfigurationError(ValueError):
    """A destination configuration AWS rejects; the message names the field and the allowed values."""


def _range(value: Any, low: float, high: float, name: str) -> None:
    if value is None:
        return
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigurationError(f"{name}={value!r} is not a number: use {low:g}-{high:g}") from None
    if not low <= number <= high:
        raise ConfigurationError(f"{name}={value!r} is out of range: use {low:g}-{high:g}")


def _hints(config: dict[str, Any], field: str) -> None:
    hints = config.get("BufferingHints") or {}
    _range(hints.get("SizeInMBs"), 1, 128, f"{field}.BufferingHints.SizeInMBs")
    _range(hints.get("IntervalInSeconds"), 0, 900, f"{field}.BufferingHints.IntervalInSeconds")


def _prefixes(config: dict[str, Any], field: str) -> None:
    try:
        prefixes.validate(config.get("Prefix"), config.get("ErrorOutputPrefix"), complete="Update" not in field)
    except prefixes.PrefixError as exc:
        raise ConfigurationError(f"{field}: {exc}") from None


def _processing(config: dict[str, Any], field: str) -> None:
    for processor in (config.get("ProcessingConfiguration") or {}).get("Processors") or []:
        params = {p.get("ParameterName"): p.get("ParameterValue") for p in processor.get("Parameters") or []}
        if processor.get("Type") == "Lambda" and not params.get("LambdaArn"):
            raise ConfigurationError(f"{field}: a Lambda processor needs the LambdaArn parameter")
        _range(params.get("NumberOfRetries"), 0, 300, f"{field} processor NumberOfRetries")
        _range(params.get("BufferSizeInMBs"), 0.2, 3, f"{field} processor BufferSizeInMBs")
        _range(params.get("BufferIntervalInSeconds"), 0, 900, f"{field} processor BufferIntervalInSeconds")


def _zone(config: dict[str, Any], field: str) -> None:
    name = config.get("CustomTimeZone")
    if name:
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ConfigurationError(f"{field}.CustomTimeZone={name!r} is not a time zone: use e.g. UTC or Asia/Tokyo") from None


def _s3(config: dict[str, Any], field: str) -> None:
    _hints(config, field)
    _zone(config, field)
    _prefixes(config, field)
    _processing(config, field)
    backup = config.get("S3BackupConfiguration") or config.get("S3BackupUpdate")
    if backup:
        _hints(backup, f"{field}.S3BackupConfiguration")
        _prefixes(backup, f"{field}.S3BackupConfiguration")


def _search(config: dict[str, Any], field: str) -> None:
    if field.endswith("Configuration"):
        for required in ("IndexName", "S3Configuration"):
            if not config.get(required):
                raise ConfigurationError(f"{field}.{required} is required")
        if not (config.get("ClusterEndpoint") or config.get("DomainARN")):
            raise ConfigurationError(f"{field} needs ClusterEndpoint or DomainARN")
    _hints(config, field)
    _processing(config, field)
    _range((config.get("RetryOptions") or {}).get("DurationInSeconds"), 0, 7200, f"{field}.RetryOptions.DurationInSeconds")
    rotation = config.get("IndexRotationPeriod")
    if rotation is not None and rotation not in {r.value for r in prefixes.RotationPeriod}:
        allowed = ", ".join(r.value for r in prefixes.RotationPeriod)
        raise ConfigurationError(f"{field}.IndexRotationPeriod={rotation!r}: use one of {allowed}")
    mode = config.get("S3BackupMode")
    if mode is not None and mode not in ("FailedDocumentsOnly", "AllDocuments"):
        raise ConfigurationError(f"{field}.S3BackupMode={mode!r}: use FailedDocumentsOnly or AllDocuments")
    s3 = config.get("S3Configuration") or config.get("S3Update")
    if s3:
        _hints(s3, f"{field}.S3Configuration")
        _prefixes(s3, f"{field}.S3Configuration")


CHECKS = {
    "S3DestinationConfiguration": _s3,
    "ExtendedS3DestinationConfiguration": _s3,
    "ElasticsearchDestinationConfiguration": _search,
    "AmazonopensearchserviceDestinationConfiguration": _search,
    "S3DestinationUpdate": _s3,
    "ExtendedS3DestinationUpdate": _s3,
    "ElasticsearchDestinationUpdate": _search,
    "AmazonopensearchserviceDestinationUpdate": _search,
}


def check(field: str, config: dict[str, Any] | None) -> None:
    """Raise ConfigurationError when the request parameter `field` holds a configuration AWS rejects."""
    if config and field in CHECKS:
        CHECKS[field](config, field)
