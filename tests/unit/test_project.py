"""Project-level checks: every pipeline folder loads; `make help` lists every target."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from sandbox.pipelines_registry import ROLES, pipeline_module, pipeline_names

ROOT = Path(__file__).resolve().parents[2]
PIPELINE_FILES = ROLES


@pytest.mark.parametrize("name", pipeline_names())
def test_every_pipeline_folder_loads(name):
    folder = ROOT / "pipelines" / name
    loaded = [f for f in PIPELINE_FILES if (folder / f"{f}.py").exists()]
    assert loaded, f"pipelines/{name} has none of {PIPELINE_FILES}"
    for module in loaded:
        pipeline_module(name, module)
    if (folder / "resources.py").exists():
        resources = pipeline_module(name, "resources").RESOURCES
        assert resources and all(hasattr(r, "apply") for r in resources)


def test_make_help_lists_every_target_with_a_comment():
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
    documented = set(re.findall(r"^([a-z][a-z-]*):.*## ", makefile, re.M))
    assert {"help", "setup", "up", "down", "status", "deploy", "demo", "test", "bench", "clean"} <= documented
    assert targets == documented
    shown = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True).stdout
    for target in documented:
        assert target in shown


def test_the_cli_lists_its_commands():
    from typer.testing import CliRunner

    from sandbox.cli import app

    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("up", "down", "status", "deploy", "destroy", "demo", "lambda", "esm", "firehose", "inbox"):
        assert command in result.output
