"""The seam into moto (sandbox/localcloud/moto_seam.py): the pin, the patched attributes, the patch style."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import moto
import pytest

from sandbox.localcloud import log_events, moto_answers, moto_fastpaths, moto_seam as seam, moto_tracking, s3_storage, server
from sandbox.localcloud.registry import EXTENSIONS

ROOT = Path(__file__).resolve().parents[2]
EVERY_TARGET = [t for extension in EXTENSIONS for t in extension.targets] + list(moto_fastpaths.TARGETS) + list(moto_answers.TARGETS) + list(moto_tracking.TARGETS) + list(s3_storage.TARGETS) + list(log_events.TARGETS) + [server.RESET]


def test_moto_is_pinned_to_the_version_the_hooks_are_written_for():
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    [pin] = [d for d in dependencies if re.match(r"moto\b", d)]
    assert pin.endswith(f"=={seam.MOTO_VERSION}"), f"pyproject.toml must pin moto exactly: {pin}"
    assert moto.__version__ == seam.MOTO_VERSION, (
        f"moto {moto.__version__} is installed, localcloud's hooks are written for {seam.MOTO_VERSION}: "
        "run `make setup`, or check every target below against the new version and raise MOTO_VERSION"
    )


@pytest.mark.parametrize("target", EVERY_TARGET, ids=lambda t: t.name)
def test_every_patched_attribute_exists_with_the_signature_its_hook_expects(target):
    assert seam.check_targets([target]) == []


def test_every_hook_declares_its_targets_through_the_seam():
    assert {t.name for t in EVERY_TARGET} == set(seam.TARGETS)


def test_a_changed_or_missing_attribute_is_reported():
    changed = seam.Target("moto.sns.models:Subscription", "publish", "(self, message)")
    gone = seam.Target("moto.sns.models:Subscription", "no_such_method", "(self)")
    problems = seam.check_targets([changed, gone])
    assert len(problems) == 2
    assert "moto.sns.models.Subscription.publish" in problems[0] and "written for (self, message)" in problems[0]
    assert "no_such_method: gone" in problems[1]


def test_patches_are_undone_in_one_style_methods_and_properties_alike():
    from moto.sqs.models import Queue, SQSBackend

    method, prop = moto_fastpaths.SQS_SEND, moto_fastpaths.SQS_COUNTS[0]
    before = (SQSBackend.__dict__["send_message"], Queue.__dict__[prop.attribute])
    patches = seam.Patches()
    original = patches.replace(method, lambda send: lambda self, *a, **k: send(self, *a, **k))
    patches.replace(prop, lambda p: property(lambda queue: -1))
    assert original is before[0]
    assert SQSBackend.__dict__["send_message"] is not before[0]
    assert isinstance(Queue.__dict__[prop.attribute], property) and Queue.__dict__[prop.attribute] is not before[1]
    patches.undo()
    assert (SQSBackend.__dict__["send_message"], Queue.__dict__[prop.attribute]) == before
    assert not patches


def test_backends_are_read_by_service_account_and_region(localcloud):
    from sandbox.aws import client

    client("sqs", localcloud.settings).create_queue(QueueName="zz-seam-queue")
    settings = localcloud.settings
    assert "zz-seam-queue" in seam.backend("sqs", settings.account_id, settings.region).queues
    assert (settings.account_id, settings.region) in {(a, r) for a, r, _ in seam.backends("sqs")}
    for service in ("glue", "athena", "redshift-data", "firehose", "logs", "dynamodb", "kinesis", "sns"):
        assert seam.backend(service, settings.account_id, settings.region) is not None
