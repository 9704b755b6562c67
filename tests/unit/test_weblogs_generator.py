"""generators/weblogs.py: seeded Apache traffic, the Kinesis-Agent-like tailer, the Firehose sender."""

from __future__ import annotations

import collections
import gzip
import os
import threading
from datetime import datetime, timedelta, timezone

import pytest

from generators import weblogs
from pipelines.weblogs.handler import parse_line
from sandbox.waiting import wait_until

START = datetime(2024, 5, 1, 10, 0, tzinfo=timezone.utc)


# -- generate ----------------------------------------------------------------------------------------
def test_same_seed_same_lines_other_seed_other_lines():
    first = list(weblogs.generate(11, 500, START))
    assert first == list(weblogs.generate(11, 500, START))
    assert first != list(weblogs.generate(12, 500, START))
    assert len(first) == 500


def test_the_mix_has_crawlers_ipv6_scans_assets_and_checkouts():
    docs = [parse_line(line) for line in weblogs.generate(3, 3000, START)]
    statuses = collections.Counter(d["response"] for d in docs)
    agents = " ".join(d["agent"] or "" for d in docs)
    paths = collections.Counter(d["path"] for d in docs)
    assert "Googlebot" in agents and "bingbot" in agents and "curl/" in agents
    assert sum(":" in d["host"] for d in docs) > 150, "IPv6 clients"
    assert sum("." in d["host"] for d in docs) > 1500, "IPv4 clients"
    assert statuses[404] > 50 and statuses[200] > 1500 and statuses[304] > 20
    assert paths["/wp-login.php"] + paths["/.env"] > 5
    assert any(p.startswith("/static/") for p in paths) and paths["/checkout"] > 10
    assert sum(1 for d in docs if d["bytes"] == 0) > 50, "`-` sizes"
    assert any('"' in (d["agent"] or "") for d in docs), "a user agent with quotes"
    assert any(d["verb"] is None for d in docs), "malformed requests from scanners"
    # Zipf-like: the most popular product page is viewed far more often than the median one.
    products = [n for p, n in paths.most_common() if p and p.startswith("/product/")]
    assert products[0] > 10 * products[len(products) // 2]


def test_every_generated_line_parses_and_timestamps_move_forward():
    lines = list(weblogs.generate(5, 2000, START, utc_offset=timedelta(hours=-7)))
    stamps = [datetime.fromisoformat(parse_line(line)["@timestamp"]) for line in lines]
    assert all(s.utcoffset() == timedelta(hours=-7) for s in stamps)
    assert stamps == sorted(stamps)
    assert stamps[0] == START
    span = (stamps[-1] - stamps[0]).total_seconds()
    assert 60 < span < 140, "2000 lines at 20/s take about 100 s"


def test_a_5xx_burst_window_concentrates_server_errors():
    lines = list(weblogs.generate(9, 3000, START, burst_5xx="40:30"))
    inside = outside = errors_inside = errors_outside = 0
    for line in lines:
        doc = parse_line(line)
        offset = (datetime.fromisoformat(doc["@timestamp"]) - START).total_seconds()
        error = doc["response"] >= 500
        if 40 <= offset < 70:
            inside, errors_inside = inside + 1, errors_inside + error
        else:
            outside, errors_outside = outside + 1, errors_outside + error
    assert errors_inside / inside > 0.3
    assert errors_outside / outside < 0.02


@pytest.mark.parametrize("bad", ["soon", "10:-5", "-1:10"])
def test_a_bad_burst_window_names_the_format(bad):
    with pytest.raises(ValueError, match="START"):
        weblogs.parse_window(bad)


def test_format_line_escapes_like_apache():
    line = weblogs.format_line("192.0.2.1", START, "GET / HTTP/1.1", 200, None, None, 'a "b" c\\d')
    assert line.endswith('200 - "-" "a \\"b\\" c\\\\d"')
    assert parse_line(line)["agent"] == 'a "b" c\\d'


# -- read_lines / follow -----------------------------------------------------------------------------
def test_read_lines_reads_plain_and_gzip_files(tmp_path):
    plain = tmp_path / "access.log"
    plain.write_text("a\n\nb\r\nc")
    packed = tmp_path / "access.log.gz"
    with gzip.open(packed, "wt") as handle:
        handle.write("x\ny\n")
    assert list(weblogs.read_lines(plain)) == ["a", "b", "c"]
    assert list(weblogs.read_lines(packed)) == ["x", "y"]
    with pytest.raises(FileNotFoundError, match="--file"):
        list(weblogs.read_lines(tmp_path / "missing.log"))


class Tail:
    """Runs follow() in a thread and collects what it yields."""

    def __init__(self, path, **kwargs):
        self.lines: list[str] = []
        self.stop = threading.Event()
        lines = weblogs.follow(path, stop=self.stop, poll_interval=0.02, **kwargs)  # tailing starts here
        self.thread = threading.Thread(target=self._collect, args=(lines,), daemon=True)

    def _collect(self, lines):
        for line in lines:
            self.lines.append(line)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=5)
        assert not self.thread.is_alive()


def append(path, text):
    with open(path, "a") as handle:
        handle.write(text)


def test_follow_starts_at_the_end_and_yields_only_complete_new_lines(tmp_path):
    log = tmp_path / "access.log"
    log.write_text("old 1\nold 2\n")
    with Tail(log) as tail:
        wait_until(lambda: tail.thread.is_alive(), message="tail thread")
        append(log, "new 1\nnew ")
        wait_until(lambda: tail.lines == ["new 1"], timeout=5, message="first appended line")
        append(log, "2\n")
        wait_until(lambda: tail.lines == ["new 1", "new 2"], timeout=5, message="the line completed later")


def test_follow_from_start_and_waits_for_the_file(tmp_path):
    log = tmp_path / "later.log"
    with Tail(log, from_start=True) as tail:
        log.write_text("first\n")
        wait_until(lambda: tail.lines == ["first"], timeout=5, message="line of a file created after tailing began")


def test_follow_survives_truncation(tmp_path):
    log = tmp_path / "access.log"
    log.write_text("")
    with Tail(log) as tail:
        append(log, "before truncation, a rather long line\n")
        wait_until(lambda: tail.lines == ["before truncation, a rather long line"], timeout=5, message="line before truncation")
        with open(log, "r+") as handle:  # logrotate copytruncate
            handle.truncate(0)
        append(log, "after\n")
        wait_until(lambda: tail.lines[-1:] == ["after"], timeout=5, message="line written after truncation")
        assert tail.lines == ["before truncation, a rather long line", "after"]


def test_follow_survives_rotation(tmp_path):
    log = tmp_path / "access.log"
    log.write_text("")
    with Tail(log) as tail:
        append(log, "one\n")
        wait_until(lambda: tail.lines == ["one"], timeout=5, message="line before rotation")
        os.rename(log, tmp_path / "access.log.1")
        append(tmp_path / "access.log.1", "late write to the old file\n")
        log.write_text("two\n")
        wait_until(lambda: "two" in tail.lines, timeout=5, message="line of the new file")
        assert tail.lines == ["one", "late write to the old file", "two"]


# -- send --------------------------------------------------------------------------------------------
class FlakyFirehose:
    """A PutRecordBatch double: fails every third record of each call's first attempt."""

    def __init__(self):
        self.calls: list[list[bytes]] = []
        self.delivered: list[bytes] = []
        self.seen: set[bytes] = set()

    def put_record_batch(self, DeliveryStreamName, Records):
        assert DeliveryStreamName == "WebLogs"
        data = [r["Data"] for r in Records]
        assert len(data) <= weblogs.MAX_BATCH_RECORDS
        assert sum(len(d) for d in data) <= weblogs.MAX_BATCH_BYTES
        self.calls.append(data)
        responses = []
        for i, item in enumerate(data):
            if i % 3 == 0 and item not in self.seen:
                self.seen.add(item)
                responses.append({"ErrorCode": "ServiceUnavailableException", "ErrorMessage": "slow down"})
            else:
                self.delivered.append(item)
                responses.append({"RecordId": f"id-{len(self.delivered)}"})
        failed = sum(1 for r in responses if "ErrorCode" in r)
        return {"FailedPutCount": failed, "Encrypted": False, "RequestResponses": responses}


def test_send_batches_within_limits_and_resends_failed_records(isolated_settings):
    lines = [f"line {i:05d}" for i in range(1234)]
    firehose = FlakyFirehose()
    progressed = []
    summary = weblogs.send(isolated_settings, lines, client=firehose, progress=progressed.append)
    assert sorted(firehose.delivered) == sorted(f"line {i:05d}\n".encode() for i in range(1234))
    assert len(firehose.delivered) == 1234, "each line exactly once"
    assert summary.records == 1234 == sum(progressed)
    assert summary.retried_records > 400
    assert max(len(c) for c in firehose.calls) == 500


def test_send_splits_by_bytes(isolated_settings):
    firehose = FlakyFirehose()
    firehose.seen = set()
    big = ["x" * 900_000 + str(i) for i in range(10)]  # 10 × ~900 KB > 4 MiB
    weblogs.send(isolated_settings, big, client=firehose)
    assert len(firehose.calls) >= 3, "10 records of ~900 KB need at least three 4 MiB calls"
    assert len(firehose.delivered) == 10


def test_send_gives_up_loudly_when_firehose_keeps_refusing(isolated_settings):
    class Refusing:
        def put_record_batch(self, DeliveryStreamName, Records):
            return {"FailedPutCount": len(Records), "RequestResponses": [{"ErrorCode": "InternalFailure"} for _ in Records]}

    with pytest.raises(weblogs.DeliveryError, match="refused 2 records"):
        weblogs.send(isolated_settings, ["a", "b"], client=Refusing(), max_attempts=3)


def test_send_paces_by_rate(isolated_settings):
    firehose = FlakyFirehose()
    firehose.seen = {f"l{i}\n".encode() for i in range(30)}  # no failures
    summary = weblogs.send(isolated_settings, [f"l{i}" for i in range(30)], client=firehose, rate=60.0, linger=0.1)
    assert summary.records == 30
    assert 0.4 < summary.seconds < 3.0, "30 lines at 60/s take about half a second"
    assert len(firehose.calls) >= 3, "a paced send goes out in several small batches"


def test_send_flushes_a_slow_source_after_linger(isolated_settings, tmp_path):
    """A followed file that goes quiet still reaches Firehose: the batch lingers, then goes out."""
    firehose = FlakyFirehose()
    log = tmp_path / "access.log"
    log.write_text("")
    stop = threading.Event()
    lines = ["tail 1", "tail 2"]
    firehose.seen = {f"{line}\n".encode() for line in lines}
    sender = threading.Thread(
        target=weblogs.send,
        args=(isolated_settings, weblogs.follow(log, stop=stop, poll_interval=0.02)),
        kwargs={"client": firehose, "stop": stop, "linger": 0.1},
        daemon=True,
    )
    sender.start()
    try:
        wait_until(lambda: sender.is_alive(), message="sender running")
        append(log, "tail 1\ntail 2\n")
        wait_until(lambda: len(firehose.delivered) == 2, timeout=5, message="lines of a quiet file delivered")
    finally:
        stop.set()
        sender.join(timeout=5)
    assert not sender.is_alive()
    assert firehose.delivered == [b"tail 1\n", b"tail 2\n"]


def test_replay_logs_sends_generated_lines_to_a_real_firehose_api(isolated_settings):
    """Against moto's Firehose (no localcloud extensions): every record reaches the S3 destination."""
    from sandbox import aws
    from sandbox.localcloud.server import LocalCloud

    with LocalCloud(isolated_settings, extensions=()):
        s3 = aws.client("s3", isolated_settings)
        s3.create_bucket(Bucket="cadabra-datalake")
        firehose = aws.client("firehose", isolated_settings)
        firehose.create_delivery_stream(
            DeliveryStreamName="WebLogs",
            DeliveryStreamType="DirectPut",
            ExtendedS3DestinationConfiguration={
                "RoleARN": aws.arn(isolated_settings, "iam", "role/firehose"),
                "BucketARN": "arn:aws:s3:::cadabra-datalake",
                "Prefix": "raw/weblogs/",
            },
        )
        summary = weblogs.replay_logs(isolated_settings, count=1200, seed=4)
        assert summary["records"] == 1200 and summary["calls"] >= 3
        body = b""
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket="cadabra-datalake", Prefix="raw/weblogs/"):
            for obj in page.get("Contents", []):
                body += s3.get_object(Bucket="cadabra-datalake", Key=obj["Key"])["Body"].read()
        lines = body.decode().splitlines()
        assert len(lines) == 1200
        now = datetime.now(timezone.utc)
        newest = max(datetime.fromisoformat(parse_line(line)["@timestamp"]) for line in lines)
        assert newest <= now + timedelta(seconds=2), "an unpaced replay writes no timestamps in the future"


def test_replay_logs_rejects_follow_without_a_file(isolated_settings):
    with pytest.raises(ValueError, match="--file"):
        weblogs.replay_logs(isolated_settings, follow=True)


def test_an_error_of_the_source_reaches_the_caller(isolated_settings, tmp_path):
    with pytest.raises(FileNotFoundError, match="--file"):
        weblogs.replay_logs(isolated_settings, file=tmp_path / "missing.log")


def test_replay_logs_sends_a_users_file_up_to_count(isolated_settings, tmp_path, monkeypatch):
    log = tmp_path / "access.log"
    log.write_text("\n".join(weblogs.generate(2, 30, START)) + "\n")
    firehose = FlakyFirehose()
    firehose.seen = {line.encode() for line in log.read_text().splitlines(keepends=True)}
    monkeypatch.setattr("sandbox.aws.client", lambda service, settings=None: firehose)
    summary = weblogs.replay_logs(isolated_settings, file=log, count=25)
    assert summary["records"] == 25 and summary["source"] == str(log)
    assert firehose.delivered == [line.encode() for line in log.read_text().splitlines(keepends=True)[:25]]
