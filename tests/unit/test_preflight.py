"""`cadabra up` checks what would make a start fail half-way, and names the fix."""

from __future__ import annotations

import pytest

from sandbox.stack import embedded, postgres
from sandbox.stack.errors import StackError


@pytest.fixture
def nothing_listening(monkeypatch):
    monkeypatch.setattr(embedded.health, "port_busy", lambda host, port: False)


def test_missing_postgresql_binaries_name_the_package(isolated_settings, monkeypatch, nothing_listening):
    monkeypatch.setattr(postgres.shutil, "which", lambda name: None)
    monkeypatch.setattr(postgres.glob, "glob", lambda pattern: [])
    with pytest.raises(StackError) as failure:
        embedded.preflight(isolated_settings)
    assert "PostgreSQL server binaries not found" in str(failure.value)
    assert "apt-get install postgresql" in str(failure.value)


def test_missing_java_names_the_package(isolated_settings, monkeypatch, nothing_listening):
    real_which = embedded.shutil.which
    monkeypatch.setattr(embedded.shutil, "which", lambda name: None if name == "java" else real_which(name))
    with pytest.raises(StackError) as failure:
        embedded.preflight(isolated_settings)
    assert "Java not found" in str(failure.value) and "openjdk-17-jre-headless" in str(failure.value)


def test_binaries_are_discovered_in_debians_per_version_folders(monkeypatch, tmp_path):
    for version in ("13", "15", "9.6"):
        bin_dir = tmp_path / version / "bin"
        bin_dir.mkdir(parents=True)
        (bin_dir / "pg_ctl").touch()
        (bin_dir / "initdb").touch()
    monkeypatch.setattr(postgres.shutil, "which", lambda name: None)
    monkeypatch.setattr(
        postgres.glob, "glob",
        lambda pattern: [str(tmp_path / v / "bin" / "pg_ctl") for v in ("9.6", "13", "15")]
        if pattern.startswith("/usr/lib/postgresql") else [],
    )
    assert postgres.find_binaries().bin_dir == tmp_path / "15" / "bin"


def test_every_problem_is_reported_at_once(isolated_settings, monkeypatch):
    monkeypatch.setattr(embedded.health, "port_busy", lambda host, port: port == isolated_settings.ports.aws)
    monkeypatch.setattr(embedded, "_java_available", lambda: False)
    with pytest.raises(StackError) as failure:
        embedded.preflight(isolated_settings)
    message = str(failure.value)
    assert f"port {isolated_settings.ports.aws} (aws) is already in use" in message
    assert "CADABRA_AWS_PORT" in message and "Java not found" in message
