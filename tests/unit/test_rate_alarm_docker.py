"""Pipeline 3 on the Docker stack, checked statically (no engine here): the `sandbox` container runs
the stream job's driver against the compose file's Spark master, and both images hold its code."""

from __future__ import annotations

import ast
from pathlib import Path

import yaml

from sandbox.settings import PROJECT_ROOT, Stack, load
from sandbox.stack.stream_job import order_rate_alarm_argv
from tests.unit.test_compose import environment

COMPOSE = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())


def _sandbox_settings():
    env = environment(COMPOSE["services"]["sandbox"])
    return load(env)


def _arg(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_the_job_is_submitted_to_the_compose_spark_master_and_reads_localstack():
    settings = _sandbox_settings()
    assert settings.stack is Stack.DOCKER
    argv = order_rate_alarm_argv(settings)
    master = _arg(argv, "--master")
    host, port = master.removeprefix("spark://").split(":")
    assert master.startswith("spark://") and host in COMPOSE["services"] and port == "7077"
    assert "--port" in COMPOSE["services"][host]["command"] and "7077" in COMPOSE["services"][host]["command"]
    endpoint = _arg(argv, "--endpoint-url")
    assert endpoint == "http://localstack:4566" and "localstack" in COMPOSE["services"]
    assert _arg(argv, "--checkpoint").startswith(environment(COMPOSE["services"]["sandbox"])["CADABRA_STATE_DIR"])


def test_executors_can_reach_the_driver_in_the_sandbox_container():
    sandbox = COMPOSE["services"]["sandbox"]
    assert sandbox["hostname"] == "sandbox"
    assert environment(sandbox)["SPARK_LOCAL_HOSTNAME"] == "sandbox"
    assert "spark-worker" in sandbox["depends_on"] and "spark-master" in sandbox["depends_on"]


def _project_imports(module: Path) -> set[str]:
    tree = ast.parse(module.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
    return found & {"sandbox", "pipelines", "generators", "spark_jobs"}


def _copied(dockerfile: Path) -> set[str]:
    return {line.split()[1].rstrip("/") for line in dockerfile.read_text().splitlines() if line.startswith("COPY")}


def test_both_images_hold_what_the_job_and_its_data_source_import():
    needed = {"spark_jobs"}
    for module in ("order_rate_alarm.py", "kinesis_source.py", "kinesis_shards.py", "session.py"):
        needed |= _project_imports(PROJECT_ROOT / "spark_jobs" / module)
    for dockerfile in (PROJECT_ROOT / "Dockerfile", PROJECT_ROOT / "docker/spark/Dockerfile"):
        assert needed <= _copied(dockerfile), f"{dockerfile} lacks {needed - _copied(dockerfile)}"
    assert "sql" in _copied(PROJECT_ROOT / "Dockerfile")  # the driver reads sql/analytics/*.sql


def test_serve_docker_runs_the_job_beside_the_console(monkeypatch, tmp_path):
    import uvicorn

    from sandbox import cli
    from sandbox.stack import stream_job

    started: list[list[str]] = []

    class Recording:
        def __init__(self, settings, name, argv):
            self.argv = argv

        def start(self):
            started.append(self.argv)

        def stop(self):
            started.append(["stopped"])

    env = {**environment(COMPOSE["services"]["sandbox"]), "CADABRA_STATE_DIR": str(tmp_path)}
    monkeypatch.setattr(cli, "_settings", lambda: load(env))
    monkeypatch.setattr(stream_job, "StreamJob", Recording)
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: None)
    cli.serve_docker()
    assert _arg(started[0], "--master").startswith("spark://") and started[-1] == ["stopped"]
