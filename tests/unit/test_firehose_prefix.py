"""Pure naming rules of the Firehose engine: DateTimeFormatter patterns, prefixes, keys, rotation."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from sandbox.localcloud.firehose import prefixes
from sandbox.localcloud.firehose.javatime import PatternError, format_datetime, us_week
from sandbox.localcloud.firehose.validation import ConfigurationError, check

AUG27 = datetime(2018, 8, 27, 10, 30, 5, 123456, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("yyyy/MM/dd/HH", "2018/08/27/10"),
        ("yyyy-MM-dd'T'HH:mm:ss.SSS", "2018-08-27T10:30:05.123"),
        ("yy M d H m s", "18 8 27 10 30 5"),
        ("'year='yyyy'/month='MM", "year=2018/month=08"),
        ("MMM MMMM EEE EEEE", "Aug August Mon Monday"),
        ("hh a", "10 AM"),
        ("D DDD", "239 239"),
        ("'it''s' ''", "it's '"),
        ("[yyyy]", "2018"),
        ("xxx X", "+00:00 Z"),
    ],
)
def test_java_patterns(pattern: str, expected: str) -> None:
    assert format_datetime(AUG27, pattern) == expected


def test_unknown_letter_and_unclosed_quote_are_errors() -> None:
    with pytest.raises(PatternError, match="unknown pattern letter 'b'"):
        format_datetime(AUG27, "yyyy-bb")
    with pytest.raises(PatternError, match="unclosed quote"):
        format_datetime(AUG27, "'abc")


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2016, 2, 25), (2016, 9)),  # US weeks: Sunday start, week 1 holds Jan 1 (Fri)
        (date(2016, 1, 2), (2016, 1)),  # the Saturday of week 1
        (date(2016, 1, 3), (2016, 2)),  # Sunday starts week 2
        (date(2019, 12, 29), (2020, 1)),  # the week holding 2020-01-01 is week 1 of 2020
        (date(2016, 12, 31), (2016, 53)),  # a Saturday closing a 53-week year
        (date(2022, 1, 1), (2022, 1)),  # Jan 1 on a Saturday: week 1 is that single day's week
    ],
)
def test_us_week_numbers(day: date, expected: tuple[int, int]) -> None:
    assert us_week(day) == expected


def test_default_prefix_when_no_expression() -> None:
    assert prefixes.delivery_prefix(None, AUG27) == "2018/08/27/10/"
    assert prefixes.delivery_prefix("orders/", AUG27) == "orders/2018/08/27/10/"


def test_expressions_render_at_one_instant_with_one_random_string() -> None:
    template = "myFirehose/DeliveredYear=!{timestamp:yyyy}/anyMonth/rand=!{firehose:random-string}/!{timestamp:HH}"
    rendered = prefixes.delivery_prefix(template, AUG27, random="5abf82daaa5")
    assert rendered == "myFirehose/DeliveredYear=2018/anyMonth/rand=5abf82daaa5/10"
    random_part = prefixes.render("!{firehose:random-string}", AUG27)
    assert len(random_part) == 11 and random_part.isalnum()


def test_error_prefixes() -> None:
    assert prefixes.error_prefix(None, None, "processing-failed", AUG27) == "processing-failed/2018/08/27/10/"
    assert prefixes.error_prefix("orders/", None, "processing-failed", AUG27) == "orders/processing-failed/2018/08/27/10/"
    custom = "myFirehoseFailures/!{firehose:error-output-type}/!{timestamp:yyyy}/anyMonth/!{timestamp:dd}"
    assert prefixes.error_prefix("x/!{timestamp:yyyy}/", custom, "processing-failed", AUG27) == (
        "myFirehoseFailures/processing-failed/2018/anyMonth/27"
    )
    assert prefixes.error_prefix(None, "errors/", "elasticsearch-failed", AUG27) == (
        "errors/elasticsearch-failed/2018/08/27/10/"
    )


def test_prefix_rendering_across_midnight_and_year_end() -> None:
    before = datetime(2023, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc)
    after = datetime(2024, 1, 1, 0, 0, 0, tzinfo=timezone.utc)
    template = "d=!{timestamp:yyyy-MM-dd}/h=!{timestamp:HH}/"
    assert prefixes.render(template, before) == "d=2023-12-31/h=23/"
    assert prefixes.render(template, after) == "d=2024-01-01/h=00/"
    assert prefixes.delivery_prefix("", before) == "2023/12/31/23/"


def test_custom_time_zone_changes_the_day() -> None:
    late = datetime(2024, 3, 1, 20, 0, tzinfo=timezone.utc)
    assert prefixes.delivery_prefix("", prefixes.in_zone(late, ZoneInfo("Asia/Tokyo"))) == "2024/03/02/05/"


def test_object_suffix_follows_aws_format() -> None:
    suffix = prefixes.object_suffix("PurchaseX", 3, AUG27, extension=".gz", unique="u-1")
    assert suffix == "PurchaseX-3-2018-08-27-10-30-05-u-1.gz"
    generated = prefixes.object_suffix("S", 1, AUG27)
    assert len(generated.rsplit("-05-", 1)[1]) == 36  # a UUID


@pytest.mark.parametrize(
    ("period", "when", "expected"),
    [
        ("NoRotation", datetime(2016, 2, 25, 13), "myindex"),
        ("OneHour", datetime(2016, 2, 25, 13), "myindex-2016-02-25-13"),
        ("OneDay", datetime(2016, 2, 25, 13), "myindex-2016-02-25"),
        ("OneMonth", datetime(2016, 2, 25, 13), "myindex-2016-02"),
        ("OneWeek", datetime(2020, 8, 12, 13), "myindex-2020-w33"),  # AWS's example week number
        ("OneDay", datetime(2024, 2, 29, 23, 59, 59), "myindex-2024-02-29"),
        ("OneDay", datetime(2024, 3, 1, 0, 0, 0), "myindex-2024-03-01"),
        ("OneMonth", datetime(2023, 12, 31, 23, 59), "myindex-2023-12"),
        ("OneMonth", datetime(2024, 1, 1, 0, 0), "myindex-2024-01"),
        ("OneWeek", datetime(2024, 3, 2, 23, 59), "myindex-2024-w09"),  # Saturday
        ("OneWeek", datetime(2024, 3, 3, 0, 0), "myindex-2024-w10"),  # Sunday: next week
        ("OneWeek", datetime(2019, 12, 30, 12), "myindex-2020-w01"),  # week of 2020-01-01
    ],
)
def test_index_rotation(period: str, when: datetime, expected: str) -> None:
    assert prefixes.index_name("myindex", period, when.replace(tzinfo=timezone.utc)) == expected


def test_rotation_default_is_one_day() -> None:
    assert prefixes.index_name("i", None, AUG27) == "i-2018-08-27"


@pytest.mark.parametrize(
    ("prefix", "error_prefix", "message"),
    [
        ("a/!{timestamp:yyyy}/", None, "ErrorOutputPrefix cannot be null"),
        ("a/", "e/!{timestamp:yyyy}/", "must contain !{firehose:error-output-type}"),
        ("a/!{firehose:error-output-type}/", "e/!{firehose:error-output-type}", "Prefix cannot contain"),
        ("a/!{partitionKeyFromQuery:id}/", "e/!{firehose:error-output-type}", "dynamic partitioning"),
        ("a/!{timestamp:yyyy-bb}/", "e/!{firehose:error-output-type}", "unknown pattern letter"),
        ("a/!{nope:x}/", "e/!{firehose:error-output-type}", "unknown expression"),
    ],
)
def test_invalid_prefixes_are_rejected(prefix: str, error_prefix: str | None, message: str) -> None:
    with pytest.raises(prefixes.PrefixError, match=message.replace("{", r"\{").replace("}", r"\}")):
        prefixes.validate(prefix, error_prefix)


def test_buffering_hint_ranges() -> None:
    base = {"BucketARN": "arn:aws:s3:::b", "RoleARN": "r"}
    check("ExtendedS3DestinationConfiguration", {**base, "BufferingHints": {"SizeInMBs": 128, "IntervalInSeconds": 0}})
    with pytest.raises(ConfigurationError, match="SizeInMBs=129 is out of range: use 1-128"):
        check("ExtendedS3DestinationConfiguration", {**base, "BufferingHints": {"SizeInMBs": 129}})
    with pytest.raises(ConfigurationError, match="IntervalInSeconds=901"):
        check("S3DestinationConfiguration", {**base, "BufferingHints": {"IntervalInSeconds": 901}})
    with pytest.raises(ConfigurationError, match="IndexRotationPeriod='Daily'"):
        check(
            "AmazonopensearchserviceDestinationConfiguration",
            {"IndexName": "i", "S3Configuration": base, "DomainARN": "d", "IndexRotationPeriod": "Daily"},
        )


def test_search_destinations_need_an_index_a_backup_bucket_and_an_endpoint() -> None:
    s3 = {"BucketARN": "arn:aws:s3:::b", "RoleARN": "r"}
    check("ElasticsearchDestinationConfiguration", {"IndexName": "i", "S3Configuration": s3, "DomainARN": "d"})
    with pytest.raises(ConfigurationError, match="S3Configuration is required"):
        check("ElasticsearchDestinationConfiguration", {"IndexName": "i", "DomainARN": "d"})
    with pytest.raises(ConfigurationError, match="needs ClusterEndpoint or DomainARN"):
        check("AmazonopensearchserviceDestinationConfiguration", {"IndexName": "i", "S3Configuration": s3})
    with pytest.raises(ConfigurationError, match="CustomTimeZone='Mars/Base'"):
        check("ExtendedS3DestinationConfiguration", {**s3, "CustomTimeZone": "Mars/Base"})
