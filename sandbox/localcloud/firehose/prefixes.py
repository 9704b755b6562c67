"""Pure naming rules of Firehose: S3 prefixes with `!{...}` expressions, object keys, index rotation.

- Custom prefixes: https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html
- Object name format: https://docs.aws.amazon.com/firehose/latest/dev/basic-deliver.html#s3-object-name
- Index rotation: https://docs.aws.amazon.com/firehose/latest/dev/es-index-rotation.html

Every function here is a function of its arguments (a datetime, a random string): tests pass a
fixed instant. `when` is the approximate arrival time of the oldest record in the object, in UTC;
a CustomTimeZone is applied by the caller with `in_zone`.

Rules followed (from the custom-prefix page's semantic rules):
- a Prefix without any expression gets the default time path `yyyy/MM/dd/HH/` appended;
- a Prefix with expressions is rendered as written and then needs an ErrorOutputPrefix;
- an ErrorOutputPrefix with expressions must hold `!{firehose:error-output-type}`;
- without an ErrorOutputPrefix, failed records go to `<Prefix><error-output-type>/yyyy/MM/dd/HH/`
  (e.g. `processing-failed/2018/08/27/10/`); a static ErrorOutputPrefix gets the same tail.
Known gap: `partitionKeyFromQuery` / `partitionKeyFromLambda` (dynamic partitioning) are rejected.
"""

from __future__ import annotations

import re
import secrets
import string
import uuid
from datetime import datetime, timezone, tzinfo
from enum import StrEnum

from sandbox.localcloud.firehose.javatime import PatternError, format_datetime, us_week

EXPRESSION = re.compile(r"!\{([^:{}]*):([^{}]*)\}")
DEFAULT_TIME_PATTERN = "yyyy/MM/dd/HH"
RANDOM_STRING_LENGTH = 11
_ALPHABET = string.ascii_letters + string.digits


class ErrorOutputType(StrEnum):
    """Values of `!{firehose:error-output-type}`: why a record landed in the error location."""

    PROCESSING_FAILED = "processing-failed"
    ELASTICSEARCH_FAILED = "elasticsearch-failed"
    OPENSEARCH_FAILED = "AmazonOpenSearchService-failed"
    FORMAT_CONVERSION_FAILED = "format-conversion-failed"


class RotationPeriod(StrEnum):
    NO_ROTATION = "NoRotation"
    ONE_HOUR = "OneHour"
    ONE_DAY = "OneDay"
    ONE_WEEK = "OneWeek"
    ONE_MONTH = "OneMonth"


class PrefixError(ValueError):
    """A Prefix/ErrorOutputPrefix AWS would reject; the message says what to change."""


def random_string() -> str:
    """The 11 random letters and digits `!{firehose:random-string}` evaluates to."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(RANDOM_STRING_LENGTH))


def has_expressions(prefix: str | None) -> bool:
    return bool(prefix) and EXPRESSION.search(prefix or "") is not None


def in_zone(when: datetime, zone: tzinfo | None) -> datetime:
    """`when` (naive = UTC) expressed in `zone` (UTC when None), as CustomTimeZone asks."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(zone or timezone.utc)


def render(
    template: str,
    when: datetime,
    *,
    random: str | None = None,
    error_output_type: str | None = None,
) -> str:
    """Evaluate every `!{namespace:value}` in `template` at one instant (and one random string)."""
    rnd = random or random_string()

    def evaluate(match: re.Match[str]) -> str:
        namespace, value = match.group(1).strip(), match.group(2)
        if namespace == "timestamp":
            try:
                return format_datetime(when, value)
            except PatternError as exc:
                raise PrefixError(f"!{{timestamp:{value}}}: {exc}") from None
        if namespace == "firehose" and value == "random-string":
            return rnd
        if namespace == "firehose" and value == "error-output-type":
            if error_output_type is None:
                raise PrefixError("!{firehose:error-output-type} may be used only in ErrorOutputPrefix")
            return error_output_type
        if namespace in ("partitionKeyFromQuery", "partitionKeyFromLambda"):
            raise PrefixError(f"!{{{namespace}:...}} needs dynamic partitioning, which localcloud does not emulate")
        raise PrefixError(
            f"unknown expression !{{{namespace}:{value}}}: use !{{timestamp:PATTERN}}, "
            "!{firehose:random-string} or !{firehose:error-output-type}"
        )

    return EXPRESSION.sub(evaluate, template)


def validate(prefix: str | None, error_prefix: str | None, *, complete: bool = True) -> None:
    """Raise PrefixError for the combinations CreateDeliveryStream rejects.

    `complete=False` (an UpdateDestination that may change only one of the two) skips the rule
    that needs both.
    """
    when = datetime(2018, 8, 27, 10, 30, tzinfo=timezone.utc)
    if prefix:
        if "error-output-type" in "".join(m.group(2) for m in EXPRESSION.finditer(prefix)):
            raise PrefixError("Prefix cannot contain !{firehose:error-output-type}: use it in ErrorOutputPrefix")
        render(prefix, when)
        if complete and has_expressions(prefix) and not error_prefix:
            raise PrefixError("ErrorOutputPrefix cannot be null or empty when Prefix contains expressions")
    if error_prefix and has_expressions(error_prefix):
        if "!{firehose:error-output-type}" not in error_prefix.replace(" ", ""):
            raise PrefixError("ErrorOutputPrefix with expressions must contain !{firehose:error-output-type}")
        render(error_prefix, when, error_output_type=ErrorOutputType.PROCESSING_FAILED)


def delivery_prefix(prefix: str | None, when: datetime, *, random: str | None = None) -> str:
    """The evaluated key prefix for delivered records."""
    prefix = prefix or ""
    if has_expressions(prefix):
        return render(prefix, when, random=random)
    return f"{prefix}{format_datetime(when, DEFAULT_TIME_PATTERN)}/"


def error_prefix(
    prefix: str | None,
    error_output_prefix: str | None,
    error_output_type: str,
    when: datetime,
    *,
    random: str | None = None,
) -> str:
    """The evaluated key prefix for failed records of `error_output_type`."""
    if error_output_prefix and has_expressions(error_output_prefix):
        return render(error_output_prefix, when, random=random, error_output_type=error_output_type)
    base = error_output_prefix or ("" if has_expressions(prefix) else prefix or "")
    return f"{base}{error_output_type}/{format_datetime(when, DEFAULT_TIME_PATTERN)}/"


def object_suffix(
    stream_name: str, version: str | int, when: datetime, *, extension: str = "", unique: str | None = None
) -> str:
    """`<stream>-<version>-YYYY-MM-DD-HH-MM-SS-<uuid><extension>`, the part after the prefix."""
    stamp = format_datetime(when, "yyyy-MM-dd-HH-mm-ss")
    return f"{stream_name}-{version}-{stamp}-{unique or uuid.uuid4()}{extension}"


def index_name(base: str, period: str | None, when: datetime) -> str:
    """IndexName plus the rotation suffix for a record that arrived at `when` (UTC)."""
    when = in_zone(when, timezone.utc)
    rotation = RotationPeriod(period or RotationPeriod.ONE_DAY)
    if rotation is RotationPeriod.NO_ROTATION:
        return base
    if rotation is RotationPeriod.ONE_HOUR:
        return f"{base}-{when:%Y-%m-%d-%H}"
    if rotation is RotationPeriod.ONE_DAY:
        return f"{base}-{when:%Y-%m-%d}"
    if rotation is RotationPeriod.ONE_WEEK:
        year, week = us_week(when.date())
        return f"{base}-{year}-w{week:02d}"
    return f"{base}-{when:%Y-%m}"
