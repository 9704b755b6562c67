"""Static checks of the Docker stack: docker-compose.yml, the Dockerfiles and sandbox/docker_stack.py.

No Docker engine runs on the development machines, so the Docker path is kept correct by
construction and by these checks; `docker compose config` runs too where the Compose plugin exists.
"""

from __future__ import annotations

import ipaddress
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from sandbox import docker_stack
from sandbox.settings import PROJECT_ROOT, Ports, Settings, Stack, load
from sandbox.stack.errors import StackError

COMPOSE = PROJECT_ROOT / "docker-compose.yml"
EXPECTED_SERVICES = {
    "localstack",
    "opensearch",
    "opensearch-dashboards",
    "spark-master",
    "spark-worker",
    "postgres",
    "sandbox",
}
# What the pipelines call on LocalStack (Glue, Athena, Redshift Data API are the sandbox's).
PIPELINE_AWS_SERVICES = {
    "kinesis", "lambda", "dynamodb", "firehose", "s3", "sns", "sqs", "logs", "iam", "sts", "glue",
    "cloudwatch", "events",
}
PORT = re.compile(r"^127\.0\.0\.1:(\d+):(\d+)(/tcp)?$")
VARIABLE = re.compile(r"\$\{(\w+)(?::?-([^}]*))?\}")


def interpolate(value: str, env: dict[str, str] | None = None) -> str:
    """Compose's ${VAR} / ${VAR:-default} substitution, as `docker compose config` does it."""
    env = env or {}
    return VARIABLE.sub(lambda m: env.get(m.group(1)) or (m.group(2) or ""), value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def svc(compose) -> dict[str, dict[str, Any]]:
    return compose["services"]


def environment(service: dict[str, Any]) -> dict[str, str]:
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {key: interpolate(str(value)) for key, value in raw.items()}


def published(service: dict[str, Any]) -> list[tuple[int, int]]:
    """(host port, container port) of each published port, asserting the loopback-only form."""
    pairs = []
    for entry in service.get("ports", []):
        assert isinstance(entry, str), f"use the short 127.0.0.1:HOST:CONTAINER form, not {entry!r}"
        match = PORT.match(entry)
        assert match, f"published port {entry!r} is not bound to 127.0.0.1:HOST:CONTAINER"
        pairs.append((int(match.group(1)), int(match.group(2))))
    return pairs


def container_port(service: dict[str, Any]) -> int:
    """The one port a service publishes on the same number inside and outside."""
    same = [c for h, c in published(service) if h == c]
    assert len(same) == 1, f"expected one port published on the same number, got {published(service)}"
    return same[0]


def image_tag(image: str) -> tuple[str, str]:
    name, _, tag = image.rpartition(":")
    assert name and "/" not in tag, f"image {image!r} has no tag"
    return name, tag


def dockerfile_bases(path: Path, build_args: dict[str, str]) -> list[str]:
    """Each FROM image of a Dockerfile with its ARG defaults and the given build args applied."""
    args: dict[str, str] = {}
    bases = []
    for line in path.read_text().splitlines():
        words = line.split()
        if words[:1] == ["ARG"]:
            name, _, default = words[1].partition("=")
            args.setdefault(name, build_args.get(name, default))
        elif words[:1] == ["FROM"]:
            bases.append(re.sub(r"\$\{?(\w+)\}?", lambda m: args[m.group(1)], words[1]))
    return bases


# -- docker-compose.yml ----------------------------------------------------------------------


def test_services_present_and_named(compose, svc):
    assert compose["name"] == docker_stack.PROJECT_NAME
    assert set(svc) == EXPECTED_SERVICES
    assert docker_stack.services() == list(svc)


def test_images_are_pinned(svc):
    for name, service in svc.items():
        if "build" in service:
            continue  # its Dockerfile's FROM is checked below
        image = interpolate(service["image"])
        _, tag = image_tag(image)
        assert tag != "latest" and re.search(r"\d", tag), f"{name}: tag {tag!r} is not a pinned version"
    assert interpolate(svc["localstack"]["image"]) == "localstack/localstack:4.14.0"
    # A user may opt into a newer tag (with LOCALSTACK_AUTH_TOKEN); the default stays 4.14.0.
    assert interpolate(svc["localstack"]["image"], {"LOCALSTACK_VERSION": "9.9.9"}).endswith(":9.9.9")
    assert "LOCALSTACK_AUTH_TOKEN" in svc["localstack"]["environment"]


def test_opensearch_and_dashboards_share_a_version(svc):
    _, engine = image_tag(svc["opensearch"]["image"])
    _, dashboards = image_tag(svc["opensearch-dashboards"]["image"])
    assert engine == dashboards and engine.startswith("2.")


def test_every_published_port_is_loopback_only_and_distinct(svc):
    hosts = [host for service in svc.values() for host, _ in published(service)]
    assert hosts, "no port is published"
    assert len(hosts) == len(set(hosts)), f"two services publish the same host port: {sorted(hosts)}"
    addresses = re.findall(r"\b\d+\.\d+\.\d+\.\d+\b", COMPOSE.read_text())
    assert not [a for a in addresses if ipaddress.ip_address(a).is_unspecified], "bind to loopback only"


def test_every_service_has_a_healthcheck(svc):
    for name, service in svc.items():
        check = service.get("healthcheck") or {}
        assert check.get("test") and not check.get("disable"), f"{name} has no health check"
        assert check["test"][0] in {"CMD", "CMD-SHELL"}, f"{name}: health check must be CMD or CMD-SHELL"


def test_depends_on_waits_for_healthy(svc):
    for name, service in svc.items():
        depends = service.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: depends_on must be a mapping with conditions"
        for other, rule in depends.items():
            assert other in svc, f"{name} depends on unknown service {other}"
            assert rule == {"condition": "service_healthy"}, f"{name} -> {other}: {rule}"
    assert set(svc["sandbox"]["depends_on"]) == EXPECTED_SERVICES - {"sandbox"}
    assert "opensearch" in svc["opensearch-dashboards"]["depends_on"]
    assert "spark-master" in svc["spark-worker"]["depends_on"]


def test_localstack_runs_the_pipelines_services(compose, svc):
    env = environment(svc["localstack"])
    assert PIPELINE_AWS_SERVICES <= set(env["SERVICES"].split(","))
    assert container_port(svc["localstack"]) == 4566
    # Lambda containers join the compose network, whose name must therefore be fixed.
    assert env["LAMBDA_DOCKER_NETWORK"] == compose["networks"]["default"]["name"]
    assert "/var/run/docker.sock:/var/run/docker.sock:ro" in svc["localstack"]["volumes"]
    backend = urlsplit(env["OPENSEARCH_CUSTOM_BACKEND"])
    assert (backend.hostname, backend.port) == ("opensearch", container_port(svc["opensearch"]))


def test_opensearch_is_single_node_without_security(svc):
    env = environment(svc["opensearch"])
    assert env["discovery.type"] == "single-node"
    assert env["DISABLE_SECURITY_PLUGIN"] == "true" and env["DISABLE_INSTALL_DEMO_CONFIG"] == "true"
    assert "-Xmx512m" in env["OPENSEARCH_JAVA_OPTS"]
    dashboards = environment(svc["opensearch-dashboards"])
    assert dashboards["DISABLE_SECURITY_DASHBOARDS_PLUGIN"] == "true"
    assert f"http://opensearch:{container_port(svc['opensearch'])}" in dashboards["OPENSEARCH_HOSTS"]
    assert container_port(svc["opensearch-dashboards"]) == 5601


def test_postgres_matches_settings_and_listens_on_5439_inside(svc):
    postgres = svc["postgres"]
    env = environment(postgres)
    defaults = Settings()
    assert (env["POSTGRES_DB"], env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == (
        defaults.postgres_db, defaults.postgres_user, defaults.postgres_password,
    )
    assert container_port(postgres) == Ports().postgres == 5439
    command = postgres["command"]
    assert command[command.index("-p") + 1] == "5439" and env["PGPORT"] == "5439"
    assert "5439" in postgres["healthcheck"]["test"]


def test_spark_master_and_worker(svc):
    master, worker = svc["spark-master"], svc["spark-worker"]
    assert master["build"] == worker["build"] and master["image"] == worker["image"]
    assert (7077, 7077) in published(master)
    assert (8081, 8080) in published(master), "master UI on host 8081 (8080 is the console)"
    assert "spark://spark-master:7077" in worker["command"]


@pytest.mark.parametrize("service", ["sandbox", "spark-worker"])
def test_environment_points_settings_at_the_services(svc, service):
    """The sandbox and Spark executors inside the network resolve every endpoint to a service."""
    env = environment(svc[service])
    assert env["CADABRA_STACK"] == "docker"
    assert "CADABRA_CONSOLE_BIND" not in env, "the any-address bind belongs to the Dockerfile's ENV"
    settings = load(env)
    assert settings.stack is Stack.DOCKER
    targets = {
        "localstack": urlsplit(settings.aws_endpoint),
        "opensearch": urlsplit(settings.opensearch_url),
        "postgres": urlsplit(settings.postgres_dsn),
    }
    for target, url in targets.items():
        assert (url.hostname, url.port) == (target, container_port(svc[target])), target
    assert env["CADABRA_SPARK_MASTER"] == "spark://spark-master:7077"


def test_sandbox_serves_the_console(svc):
    settings = load(environment(svc["sandbox"]))
    assert (settings.ports.console, settings.ports.console) in published(svc["sandbox"])
    assert svc["sandbox"]["command"] == ["cadabra", "serve-docker"]
    assert str(settings.ports.console) in " ".join(svc["sandbox"]["healthcheck"]["test"])
    assert "/api/health" in " ".join(svc["sandbox"]["healthcheck"]["test"])


def test_host_cli_reaches_the_published_ports(svc):
    """On the host, default docker-stack settings use the loopback ports compose publishes."""
    settings = load({"CADABRA_STACK": "docker"})
    for service, url in {
        "localstack": settings.aws_endpoint,
        "opensearch": settings.opensearch_url,
        "postgres": settings.postgres_dsn,
        "sandbox": settings.console_url,
    }.items():
        parts = urlsplit(url)
        assert parts.hostname == "127.0.0.1"
        assert (parts.port, parts.port) in published(svc[service]), service


# -- Dockerfiles -----------------------------------------------------------------------------


def _build_args(service: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in (service["build"].get("args") or {}).items()}


def test_dockerfiles_from_pinned_tags(svc):
    bases = {}
    for name, service in svc.items():
        if "build" not in service:
            continue
        path = PROJECT_ROOT / service["build"]["context"] / service["build"]["dockerfile"]
        assert path.is_file(), f"{name}: {path} missing"
        for base in dockerfile_bases(path, _build_args(service)):
            _, tag = image_tag(base)
            assert tag != "latest" and re.search(r"\d", tag), f"{path}: FROM {base} is not pinned"
            bases[name] = base
        _, own_tag = image_tag(service["image"])
        assert own_tag != "latest", f"{name}: give the built image a version tag"
    assert bases["spark-master"].startswith("apache/spark:4.")
    assert "python3" in bases["spark-master"]
    assert bases["sandbox"].startswith("python:3.11-")


def test_driver_and_executors_share_spark_and_python_versions(svc):
    """PySpark needs the same Spark version and the same Python minor on driver and executors."""
    spark_version = _build_args(svc["spark-master"])["SPARK_VERSION"]
    assert _build_args(svc["sandbox"])["SPARK_VERSION"] == spark_version
    assert dockerfile_bases(PROJECT_ROOT / "docker/spark/Dockerfile", {})[0].split(":")[1].startswith(spark_version)
    sandbox_file = (PROJECT_ROOT / "Dockerfile").read_text()
    spark_file = (PROJECT_ROOT / "docker/spark/Dockerfile").read_text()
    assert f"ARG SPARK_VERSION={spark_version}" in sandbox_file
    assert '"pyspark==${SPARK_VERSION}"' in sandbox_file
    python_minor = re.search(r"FROM python:(3\.\d+)", sandbox_file).group(1)
    assert f"python{python_minor} -m venv" in spark_file
    for text in (sandbox_file, spark_file):
        assert "PYSPARK_PYTHON=python3" in text


def test_sandbox_image_binds_the_console_to_all_interfaces_only_inside():
    env_lines = [line for line in (PROJECT_ROOT / "Dockerfile").read_text().splitlines()
                 if "CADABRA_CONSOLE_BIND=" in line]
    assert len(env_lines) == 1
    bind = env_lines[0].split("CADABRA_CONSOLE_BIND=")[1].split()[0]
    assert ipaddress.ip_address(bind).is_unspecified
    assert load({}).console_bind == "127.0.0.1"


def test_dockerfile_copies_exist_and_are_not_ignored():
    ignored = {line.strip() for line in (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".git", ".venv", ".sandbox"} <= ignored
    for dockerfile in (PROJECT_ROOT / "Dockerfile", PROJECT_ROOT / "docker/spark/Dockerfile"):
        for line in dockerfile.read_text().splitlines():
            if line.startswith("COPY"):
                for source in line.split()[1:-1]:
                    assert (PROJECT_ROOT / source).exists(), f"{dockerfile}: COPY source {source} missing"
                    assert source not in ignored, f"{dockerfile}: COPY source {source} is in .dockerignore"


def test_docker_compose_config_validates():
    if shutil.which("docker") is None:
        pytest.skip("docker client not installed")
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode != 0:
        pytest.skip("Docker Compose v2 plugin not installed: the YAML checks above still ran")
    done = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


# -- sandbox/docker_stack.py ------------------------------------------------------------------


def test_command_lines():
    base = ["docker", "compose", "--file", str(COMPOSE), "--project-name", "cadabra"]
    up = docker_stack.up_command()
    assert up[: len(base)] == base
    assert up[len(base)] == "up" and {"--detach", "--wait", "--build"} <= set(up)
    assert int(up[up.index("--wait-timeout") + 1]) >= 300
    assert docker_stack.down_command() == base + ["down", "--remove-orphans"]
    assert docker_stack.down_command(remove_volumes=True)[-1] == "--volumes"


@pytest.fixture
def no_engine_env(tmp_path, isolated_settings) -> dict[str, str]:
    pytest.importorskip("docker")
    env = docker_stack.docker_env(isolated_settings)
    env["DOCKER_HOST"] = f"unix://{tmp_path / 'no-engine.sock'}"
    return env


def test_up_without_engine_names_the_fix(isolated_settings, no_engine_env):
    lines: list[str] = []
    with pytest.raises(docker_stack.DockerStackError) as caught:
        docker_stack.up(isolated_settings, lines.append, env=no_engine_env)
    assert str(caught.value).startswith("Docker engine not reachable: start Docker or use STACK=embedded")
    assert lines == [], "nothing should be attempted before the engine answers"
    assert not isolated_settings.stack_file.exists(), "no stack recorded when none started"
    assert issubclass(docker_stack.DockerStackError, StackError), "the CLI catches StackError"


def test_down_without_engine_names_the_fix(isolated_settings, no_engine_env):
    with pytest.raises(docker_stack.DockerStackError, match="use STACK=embedded"):
        docker_stack.down(isolated_settings, env=no_engine_env)


def test_status_without_engine_reports_every_service_unhealthy(isolated_settings, no_engine_env):
    report = docker_stack.status(isolated_settings, env=no_engine_env)
    assert set(report) == EXPECTED_SERVICES
    for entry in report.values():
        assert entry["healthy"] is False
        assert entry["error"].startswith(docker_stack.ENGINE_UNREACHABLE)


class _Container:
    def __init__(self, service: str, status: str, health: str | None):
        self.name = f"cadabra-{service}-1"
        self.labels = {"com.docker.compose.service": service, "com.docker.compose.project": "cadabra"}
        self.attrs = {"State": {"Status": status, **({"Health": {"Status": health}} if health else {})}}


class _Containers:
    def __init__(self, containers: list[_Container]):
        self._containers = containers
        self.filters: dict[str, str] | None = None

    def list(self, all: bool, filters: dict[str, str], ignore_removed: bool) -> list[_Container]:
        assert all and ignore_removed, "stopped containers count; one removed meanwhile does not"
        self.filters = filters
        return self._containers


class _Client:
    def __init__(self, containers: list[_Container]):
        self.containers = _Containers(containers)


def test_status_maps_container_health(isolated_settings):
    client = _Client([
        _Container("opensearch", "running", "healthy"),
        _Container("postgres", "running", "starting"),
        _Container("spark-worker", "exited", "unhealthy"),
        _Container("sandbox", "running", None),
    ])
    report = docker_stack.status(isolated_settings, client=client)
    assert client.containers.filters == {"label": "com.docker.compose.project=cadabra"}
    assert report["opensearch"] == {
        "healthy": True, "state": "running", "health": "healthy", "container": "cadabra-opensearch-1",
    }
    assert report["postgres"]["healthy"] is False and report["postgres"]["health"] == "starting"
    assert report["spark-worker"]["state"] == "exited"
    assert report["sandbox"]["health"] == "none" and report["sandbox"]["healthy"] is False
    assert report["localstack"] == {"healthy": False, "state": "absent"}


def test_localstack_services_reports_an_unreachable_endpoint(isolated_settings):
    answer = docker_stack.localstack_services(isolated_settings, timeout=1)
    assert "did not answer" in answer["error"]
    assert f":{isolated_settings.ports.aws}/_localstack/health" in answer["error"]


def test_run_streams_output_and_reports_the_tail_on_failure():
    import sys

    lines: list[str] = []
    script = "print('pulling opensearch'); print('container unhealthy'); raise SystemExit(3)"
    with pytest.raises(docker_stack.DockerStackError) as caught:
        docker_stack._run([sys.executable, "-c", script], {"PATH": "/usr/bin:/bin"}, lines.append)
    assert lines == ["pulling opensearch", "container unhealthy"]
    assert "exit 3" in str(caught.value) and "container unhealthy" in str(caught.value)


def test_missing_compose_plugin_names_the_fix(tmp_path):
    fake = tmp_path / "docker"  # a docker CLI without the compose plugin
    calls = tmp_path / "calls"
    fake.write_text(f"#!/bin/sh\necho \"$*\" >> {calls}\necho \"docker: unknown command: docker $1\" >&2\nexit 1\n")
    fake.chmod(0o755)
    with pytest.raises(docker_stack.DockerStackError, match="Compose v2 not found.*STACK=embedded"):
        docker_stack._check_compose({"PATH": f"{tmp_path}:/usr/bin:/bin"})
    assert calls.read_text().split("\n")[0] == "compose version"


# -- Glue, Athena and the Redshift Data API: served by the `sandbox` service ----------------------
def test_the_sandbox_service_publishes_the_warehouse_apis_on_loopback(svc):
    ports = [PORT.match(p).groups()[:2] for p in svc["sandbox"]["ports"]]
    assert ("4567", str(Ports().services)) in ports
    assert environment(svc["sandbox"])["CADABRA_SERVICES_HOST"] == "sandbox"


def test_docker_settings_send_glue_athena_and_redshift_data_to_the_sandbox_service():
    from sandbox import aws
    from sandbox.settings import subprocess_env

    settings = load({"CADABRA_STACK": "docker"})
    for service in ("glue", "athena", "redshift-data"):
        assert aws.client(service, settings).meta.endpoint_url == "http://127.0.0.1:4567"
    assert aws.client("s3", settings).meta.endpoint_url == "http://127.0.0.1:4566"
    env = subprocess_env(settings)
    assert env["AWS_ENDPOINT_URL_GLUE"] == env["AWS_ENDPOINT_URL_ATHENA"] == env["AWS_ENDPOINT_URL_REDSHIFT_DATA"] == "http://127.0.0.1:4567"
    embedded = load({"CADABRA_STACK": "embedded"})
    assert aws.client("athena", embedded).meta.endpoint_url == embedded.aws_endpoint
    assert "AWS_ENDPOINT_URL_ATHENA" not in subprocess_env(embedded)
