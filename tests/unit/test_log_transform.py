"""LogTransform (pipelines/weblogs/handler.py): Apache log lines to JSON under Firehose's contract."""

from __future__ import annotations

import base64
import json

import pytest

from pipelines.weblogs.handler import LogParseError, lambda_handler, parse_line, parse_timestamp


def b64(text: str | bytes) -> str:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return base64.b64encode(raw).decode("ascii")


def event(*payloads: str | bytes) -> dict:
    return {
        "invocationId": "inv-1",
        "deliveryStreamArn": "arn:aws:firehose:us-east-1:000000000000:deliverystream/WebLogs",
        "region": "us-east-1",
        "records": [
            {"recordId": f"rec-{i:03d}", "approximateArrivalTimestamp": 1714550400000 + i, "data": b64(p)}
            for i, p in enumerate(payloads)
        ],
    }


def decoded(answer_record: dict) -> dict:
    data = base64.b64decode(answer_record["data"]).decode("utf-8")
    assert data.endswith("\n"), "each Ok document must end with a newline"
    return json.loads(data)


APACHE_DOC_LINE = (
    '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 '
    '"http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"'
)


def test_the_apache_documentation_example_becomes_the_indexed_document():
    doc = parse_line(APACHE_DOC_LINE)
    assert doc == {
        "host": "127.0.0.1",
        "ident": "-",
        "authuser": "frank",
        "@timestamp": "2000-10-10T13:55:36-07:00",
        "request": "GET /apache_pb.gif HTTP/1.0",
        "verb": "GET",
        "path": "/apache_pb.gif",
        "query": None,
        "httpversion": "HTTP/1.0",
        "response": 200,
        "bytes": 2326,
        "referrer": "http://www.example.com/start.html",
        "agent": "Mozilla/4.08 [en] (Win98; I ;Nav)",
    }


@pytest.mark.parametrize(
    "line, expected",
    [
        (  # IPv6 client, HTTP/2, query string split off the path, `-` size is 0 bytes
            '2a02:c7c:6de::2516:3031:bb3b:1db2 - - [01/May/2024:09:15:02 +0200] "GET /search?q=heart+lantern HTTP/2.0" 304 - '
            '"https://www.cadabra.com/" "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)"',
            {"host": "2a02:c7c:6de::2516:3031:bb3b:1db2", "@timestamp": "2024-05-01T09:15:02+02:00", "path": "/search",
             "query": "q=heart+lantern", "httpversion": "HTTP/2.0", "response": 304, "bytes": 0},
        ),
        (  # escaped quotes and a backslash inside the user agent (Apache writes \" and \\)
            r'203.0.113.9 - - [01/May/2024:09:15:02 +0000] "GET /product/85123A HTTP/1.1" 200 31337 "-" '
            r'"Mozilla/5.0 (compatible; \"Cadabra Price Watcher\" 1.2) C:\\Agent"',
            {"agent": 'Mozilla/5.0 (compatible; "Cadabra Price Watcher" 1.2) C:\\Agent', "referrer": None, "bytes": 31337},
        ),
        (  # an escaped quote inside the request line
            r'198.51.100.7 - - [01/May/2024:09:15:02 +0000] "GET /search?q=\"or 1=1 HTTP/1.1" 400 226 "-" "sqlmap/1.7"',
            {"request": 'GET /search?q="or 1=1 HTTP/1.1', "verb": None, "path": None, "response": 400},
        ),
        (  # a TLS handshake sent to the HTTP port: valid log line, no verb/path
            r'192.0.2.44 - - [01/May/2024:09:15:02 +0000] "\x16\x03\x01\x00\xa5\x01" 400 226 "-" "-"',
            {"request": r"\x16\x03\x01\x00\xa5\x01", "verb": None, "httpversion": None, "agent": None},
        ),
        (  # a connection that timed out before sending a request
            '192.0.2.45 - - [01/May/2024:09:15:02 +0000] "-" 408 - "-" "-"',
            {"request": "-", "response": 408, "bytes": 0, "verb": None},
        ),
        (  # common log format (no referrer/agent), lower-case month, HTTP/0.9 style request
            "10.1.2.3 - - [01/may/2024:23:59:59 -0330] \"GET /\" 200 5",
            {"@timestamp": "2024-05-01T23:59:59-03:30", "path": "/", "httpversion": None, "referrer": None, "agent": None},
        ),
        (  # a server that does not escape quotes in the agent: the lenient pattern still reads it
            '10.1.2.4 - - [01/May/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "Evil "quoted" bot"',
            {"agent": 'Evil "quoted" bot'},
        ),
        (  # IPv6 with a zone id: the zone is dropped so the `ip` field accepts it
            'fe80::1%eth0 - - [01/May/2024:10:00:00 +0000] "HEAD /api/health HTTP/1.1" 200 - "-" "curl/8.5.0"',
            {"host": "fe80::1", "verb": "HEAD", "bytes": 0},
        ),
        (  # HostnameLookups On: the name moves to `hostname`, `host` stays indexable (None)
            'crawl-66-249-66-1.googlebot.com - - [01/May/2024:10:00:00 +0000] "GET /robots.txt HTTP/1.1" 200 312 "-" "Googlebot"',
            {"host": None, "hostname": "crawl-66-249-66-1.googlebot.com"},
        ),
    ],
)
def test_real_world_lines(line, expected):
    doc = parse_line(line)
    for key, value in expected.items():
        assert doc[key] == value, key


@pytest.mark.parametrize(
    "garbage",
    [
        "hello world",
        '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 2000 12',  # 4-digit status
        '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 12kb',  # size not a number
        '127.0.0.1 - - [31/Feb/2024:13:55:36 -0700] "GET / HTTP/1.0" 200 12',  # no such day
        '127.0.0.1 - - [10/Foo/2024:13:55:36 -0700] "GET / HTTP/1.0" 200 12',  # no such month
        '127.0.0.1 - - [2024-05-01T10:00:00Z] "GET / HTTP/1.0" 200 12',  # ISO instead of Apache time
        '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0 200 12',  # unterminated request
        '{"host": "127.0.0.1", "response": 200}',  # already JSON
        'not/an;ip - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 12',
    ],
)
def test_garbage_does_not_parse(garbage):
    with pytest.raises(LogParseError):
        parse_line(garbage)


def test_parse_timestamp_keeps_the_offset():
    assert parse_timestamp("01/Jan/2024:00:00:00 +0530") == "2024-01-01T00:00:00+05:30"
    assert parse_timestamp("29/Feb/2024:12:00:00 -0000") == "2024-02-29T12:00:00+00:00"


def test_a_mixed_batch_answers_every_record_in_order():
    payloads = [
        APACHE_DOC_LINE + "\n",  # the usual: one line with its newline
        APACHE_DOC_LINE + "\r\n",  # Windows line end
        APACHE_DOC_LINE,  # no newline at all
        "",  # empty record
        "\n",  # only a newline
        "   \n",  # whitespace
        "garbage that is not a log line\n",
        APACHE_DOC_LINE + "\n" + APACHE_DOC_LINE + "\n",  # two lines in one record: one record is one document
        b"\xff\xfe\x00binary\n",
    ]
    answer = lambda_handler(event(*payloads), None)
    records = answer["records"]
    request = event(*payloads)["records"]
    assert [r["recordId"] for r in records] == [r["recordId"] for r in request]
    results = [r["result"] for r in records]
    assert results == ["Ok", "Ok", "Ok", "Dropped", "Dropped", "Dropped", "ProcessingFailed", "ProcessingFailed", "ProcessingFailed"]
    assert results.count("Ok") + results.count("Dropped") + results.count("ProcessingFailed") == len(payloads)
    for ok in records[:3]:
        assert decoded(ok)["@timestamp"] == "2000-10-10T13:55:36-07:00"
    for failed, original in zip(records[6:], request[6:]):
        assert failed["data"] == original["data"], "ProcessingFailed must hand back the data unchanged"


def test_data_that_is_not_base64_is_processing_failed():
    bad = {"records": [{"recordId": "r1", "approximateArrivalTimestamp": 0, "data": "***not base64***"}]}
    (record,) = lambda_handler(bad, None)["records"]
    assert record == {"recordId": "r1", "result": "ProcessingFailed", "data": "***not base64***"}


def test_an_empty_batch_answers_no_records():
    assert lambda_handler({"records": []}, None) == {"records": []}


def test_non_utf8_bytes_in_the_agent_stay_valid_json():
    line = b'192.0.2.1 - - [01/May/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "caf\xe9 bot"\n'
    (record,) = lambda_handler(event(line), None)["records"]
    assert record["result"] == "Ok"
    assert decoded(record)["agent"] == "caf\\xe9 bot"
