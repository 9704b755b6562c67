"""A mapping whose source is missing or deleted says so where AWS does: LastProcessingResult `PROBLEM: ...`,
one warning per change in the stack's log, and `cadabra esm list`."""

from __future__ import annotations

import logging

from typer.testing import CliRunner

from sandbox import cli
from sandbox.aws import client
from sandbox.waiting import wait_until
from tests.localcloud.esm_helpers import ok


def _result(aws, mapping: str) -> str:
    return aws.lam.get_event_source_mapping(UUID=mapping)["LastProcessingResult"]


def test_a_deleted_stream_is_reported_as_a_problem_and_warned_about_once(localcloud, fake, aws, caplog):
    caplog.set_level(logging.WARNING, logger="sandbox.localcloud")
    function = aws.function()
    fake.behaviours[function] = ok
    stream, stream_arn = aws.stream()
    mapping = aws.mapping(function, stream_arn)["UUID"]
    aws.put(stream, "one")
    wait_until(lambda: fake.records_of(function), timeout=5, message="the record before the deletion")
    assert _result(aws, mapping) == "OK"

    aws.kinesis.delete_stream(StreamName=stream)
    problem = wait_until(lambda: (r := _result(aws, mapping)).startswith("PROBLEM:") and r, timeout=5,
                         message="LastProcessingResult PROBLEM")
    assert stream_arn in problem and "does not exist" in problem
    wait_until(lambda: localcloud.runtime.extensions["esm"].describe()[0]["last_result"] == problem, timeout=2)
    [row] = localcloud.runtime.extensions["esm"].describe()
    assert row["state"] != "Enabled"  # not polling: Enabling until the source is back
    # several reconciler passes (0.5 s each) later, still one warning for this problem
    wait_until(lambda: sum(stream_arn in r.getMessage() for r in caplog.records) >= 1, timeout=2)
    caplog.clear()
    localcloud.runtime.extensions["esm"].engine.reconcile()
    localcloud.runtime.extensions["esm"].engine.reconcile()
    assert [r for r in caplog.records if stream_arn in r.getMessage()] == []


def test_a_mapping_created_on_a_queue_that_goes_away_reports_the_problem(localcloud, fake, aws, caplog):
    caplog.set_level(logging.WARNING, logger="sandbox.localcloud")
    function = aws.function()
    url, queue_arn = aws.queue()
    mapping = aws.mapping(function, queue_arn)["UUID"]
    client("sqs", localcloud.settings).delete_queue(QueueUrl=url)
    esm = localcloud.runtime.extensions["esm"]
    problem = wait_until(lambda: next((r["last_result"] for r in esm.describe() if r["uuid"] == mapping
                                       and r["last_result"].startswith("PROBLEM:")), None), timeout=10,
                         message="the problem in cadabra esm list (AWS reports no LastProcessingResult on queues)")
    assert queue_arn in problem
    warnings = [r for r in caplog.records if queue_arn in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING


def test_cadabra_esm_list_shows_the_problem(localcloud, fake, aws, monkeypatch):
    function = aws.function()
    stream, stream_arn = aws.stream()
    mapping = aws.mapping(function, stream_arn)["UUID"]
    aws.kinesis.delete_stream(StreamName=stream)
    wait_until(lambda: _result(aws, mapping).startswith("PROBLEM:"), timeout=5, message="the problem")
    extension = localcloud.runtime.extensions["esm"]
    monkeypatch.setattr(cli, "_console_json", lambda _settings, path: extension.describe() if path == "/api/localcloud/esm" else [])
    result = CliRunner().invoke(cli.app, ["esm", "list", "--json"])
    assert result.exit_code == 0, result.output
    assert "PROBLEM: Kinesis stream" in result.output and mapping in result.output
    table = CliRunner().invoke(cli.app, ["esm", "list"], env={"COLUMNS": "400"})
    assert table.exit_code == 0 and "PROBLEM" in table.output
