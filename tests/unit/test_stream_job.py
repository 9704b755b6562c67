"""How the stream job's state is reported (`cadabra status`, the console) from its two files."""

from __future__ import annotations

import json
import os

import pytest

from sandbox.stack.stream_job import job_dir, job_status, order_rate_alarm_argv


def _write(settings, supervision=None, status=None):
    folder = job_dir(settings, "order_rate_alarm")
    folder.mkdir(parents=True, exist_ok=True)
    if supervision is not None:
        (folder / "supervisor.json").write_text(json.dumps(supervision))
    if status is not None:
        (folder / "status.json").write_text(json.dumps(status))


def test_no_files_means_the_stack_did_not_start_a_job(isolated_settings):
    assert job_status(isolated_settings, "order_rate_alarm")["state"] == "absent"


@pytest.mark.parametrize(
    ("supervision", "status", "state", "detail"),
    [
        ({"state": "running", "pid": "self"}, {"state": "starting", "detail": "starting Spark"}, "starting", "starting Spark"),
        ({"state": "running", "pid": "self"}, {"state": "running", "last_batch_at": "2026-01-27T12:00:00.000Z",
                                               "lag_seconds": 0.4}, "running", "lag 0.4s"),
        ({"state": "running", "pid": "self"}, {"state": "failed", "error": "RuntimeError: boom"}, "failed", "boom"),
        ({"state": "failed", "pid": None, "last_exit": "killed by signal 9", "restarting_in": 2.0}, {},
         "failed", "restarting in 2s"),
        ({"state": "running", "pid": 2**22 + 12345}, {"state": "running"}, "failed", "the process is gone"),
        ({"state": "stopped", "pid": None}, {}, "stopped", "stopped"),
    ],
)
def test_states(isolated_settings, supervision, status, state, detail):
    if supervision.get("pid") == "self":
        supervision = {**supervision, "pid": os.getpid()}
    _write(isolated_settings, supervision, status)
    found = job_status(isolated_settings, "order_rate_alarm")
    assert found["state"] == state and detail in found["detail"]
    assert found["healthy"] is (state != "failed")


def test_the_job_command_follows_the_settings(isolated_settings):
    argv = order_rate_alarm_argv(isolated_settings)
    assert argv[argv.index("--endpoint-url") + 1] == isolated_settings.aws_endpoint
    assert argv[argv.index("--threshold") + 1] == "10" and argv[argv.index("--master") + 1] == "local[2]"
    assert str(isolated_settings.state_dir) in argv[argv.index("--checkpoint") + 1]
