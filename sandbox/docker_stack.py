"""The Docker stack: `cadabra up/down/status` when the stack is `docker`.

docker-compose.yml at the project root declares the services (LocalStack, OpenSearch and its
Dashboards, a Spark master and worker, PostgreSQL as Redshift, and this project's `sandbox`
image). This module only drives Docker Compose and reads container health:

- `up` runs `docker compose up --detach --wait`, which returns once every service's health check
  passes (https://docs.docker.com/reference/cli/docker/compose/up/);
- `down` stops and removes the containers, keeping the named volumes unless asked;
- `status` reads each container's health through the Docker SDK and LocalStack's own per-service
  view from its health endpoint (https://docs.localstack.cloud/references/internal-endpoints/);
- once the stack is healthy, `up` imports pipeline 4's OpenSearch Dashboards saved objects
  (docker/opensearch-dashboards/weblogs.ndjson: index pattern `weblogs*`, visualizations, dashboard)
  with the saved objects import API, overwriting earlier copies
  (https://docs.opensearch.org/latest/dashboards/management/saved-objects/ and Kibana 7.10's
  `POST /api/saved_objects/_import`, which Dashboards keeps).

Known gap: no Docker engine runs on the development machines, so this module is checked by unit
tests that need no engine (the error when none answers, the command lines) and by the static
checks of docker-compose.yml in tests/unit/test_compose.py.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Callable, Mapping

import yaml

from sandbox.settings import PROJECT_ROOT, Settings, subprocess_env
from sandbox.stack.errors import StackError
from sandbox.waiting import WaitTimeout, wait_until

PROJECT_NAME = "cadabra"  # the compose file's top-level `name`
WAIT_TIMEOUT_SECONDS = 900  # first start pulls and builds images; later starts take a minute

ENGINE_UNREACHABLE = "Docker engine not reachable: start Docker or use STACK=embedded"
COMPOSE_MISSING = (
    "Docker Compose v2 not found (`docker compose version` failed): install the Compose plugin "
    "(docker-compose-plugin) or use STACK=embedded"
)
SDK_MISSING = "Python package `docker` not installed: pip install '.[docker]' or use STACK=embedded"

DASHBOARDS_SERVICE = "opensearch-dashboards"
DASHBOARDS_CONTAINER_PORT = 5601
SAVED_OBJECTS = PROJECT_ROOT / "docker" / "opensearch-dashboards" / "weblogs.ndjson"
DASHBOARD_ID = "weblogs-dashboard"
IMPORT_TIMEOUT_SECONDS = 60.0

Progress = Callable[[str], None]


class DockerStackError(StackError):
    """The Docker stack cannot be driven; the message names the fix."""


def compose_file() -> Path:
    """The project's docker-compose.yml."""
    return PROJECT_ROOT / "docker-compose.yml"


def services() -> list[str]:
    """Service names declared in docker-compose.yml, in file order."""
    with compose_file().open() as handle:
        return list(yaml.safe_load(handle)["services"])


def compose_command(*args: str) -> list[str]:
    """A `docker compose` command line on the project's compose file."""
    return ["docker", "compose", "--file", str(compose_file()), "--project-name", PROJECT_NAME, *args]


def up_command() -> list[str]:
    """Build what changed, start everything, and return once every health check passes."""
    return compose_command(
        "up", "--detach", "--build", "--remove-orphans", "--wait", "--wait-timeout", str(WAIT_TIMEOUT_SECONDS)
    )


def down_command(remove_volumes: bool = False) -> list[str]:
    """Stop and remove the stack's containers (and its named volumes when asked)."""
    args = ["down", "--remove-orphans"]
    if remove_volumes:
        args.append("--volumes")
    return compose_command(*args)


def docker_env(settings: Settings) -> dict[str, str]:
    """Environment for the docker CLI and SDK (DOCKER_HOST, LOCALSTACK_AUTH_TOKEN, PATH...)."""
    return subprocess_env(settings)


def engine_client(env: Mapping[str, str]) -> Any:
    """A Docker SDK client that has answered a ping, or DockerStackError naming the fix."""
    try:
        import docker
    except ImportError:
        raise DockerStackError(SDK_MISSING) from None
    try:
        client = docker.DockerClient.from_env(environment=dict(env), timeout=10)
        client.ping()
    except (docker.errors.DockerException, OSError) as err:
        raise DockerStackError(f"{ENGINE_UNREACHABLE} ({err})") from None
    return client


def _check_compose(env: Mapping[str, str]) -> None:
    if shutil.which("docker", path=env.get("PATH")) is None:
        raise DockerStackError(COMPOSE_MISSING)
    done = subprocess.run(["docker", "compose", "version"], env=dict(env), capture_output=True, text=True)
    if done.returncode != 0:
        raise DockerStackError(COMPOSE_MISSING)


def _run(command: list[str], env: Mapping[str, str], progress: Progress | None) -> None:
    """Run a compose command, passing each output line to `progress`; raise with its tail on failure."""
    process = subprocess.Popen(
        command, env=dict(env), cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    tail: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        line = line.rstrip()
        tail = (tail + [line])[-20:]
        if progress is not None and line:
            progress(line)
    if process.wait() != 0:
        subcommand = command[len(compose_command()):][:1]
        raise DockerStackError(
            f"`docker compose {' '.join(subcommand)}` failed (exit {process.returncode}):\n"
            + "\n".join(tail)
            + f"\nSee `docker compose --file {compose_file()} logs` for the failing service."
        )


def up(settings: Settings, progress: Progress | None = None, env: Mapping[str, str] | None = None) -> bool:
    """Start the Docker stack and wait until every service is healthy.

    Returns False when it was already up and healthy (nothing started), True when it started it.
    """
    env = docker_env(settings) if env is None else env
    client = engine_client(env)
    try:
        current = status(settings, client=client)
    finally:
        client.close()
    if all(entry["healthy"] for entry in current.values()):
        if progress is not None:
            progress("the docker stack is already up")
        _import_dashboards(progress)  # idempotent (overwrite): a stack started before they existed gets them too
        return False
    _check_compose(env)
    # Recorded before starting, so `cadabra down` finds a half-started stack too.
    settings.stack_file.parent.mkdir(parents=True, exist_ok=True)
    settings.stack_file.write_text(settings.stack.value)
    if progress is not None:
        progress(f"starting {', '.join(services())} (docker compose; the first start builds images)")
    _run(up_command(), env, progress)
    _import_dashboards(progress)
    return True


def dashboards_url() -> str:
    """OpenSearch Dashboards on the host, at the loopback port docker-compose.yml publishes."""
    with compose_file().open() as handle:
        service = yaml.safe_load(handle)["services"][DASHBOARDS_SERVICE]
    for entry in service.get("ports") or []:
        parts = str(entry).split(":")
        if len(parts) == 3 and parts[2].split("/")[0] == str(DASHBOARDS_CONTAINER_PORT):
            return f"http://{parts[0]}:{parts[1]}"
    raise DockerStackError(
        f"docker-compose.yml publishes no host port for {DASHBOARDS_SERVICE}:{DASHBOARDS_CONTAINER_PORT}: "
        f'add "127.0.0.1:{DASHBOARDS_CONTAINER_PORT}:{DASHBOARDS_CONTAINER_PORT}" to its ports'
    )


def import_request(base_url: str, ndjson: Path = SAVED_OBJECTS) -> urllib.request.Request:
    """`POST /api/saved_objects/_import?overwrite=true`: the ndjson file as multipart `file`, with osd-xsrf."""
    boundary = f"cadabra-{uuid.uuid4().hex}"
    body = b"".join(
        [
            f"--{boundary}\r\n".encode(),
            f'Content-Disposition: form-data; name="file"; filename="{ndjson.name}"\r\n'.encode(),
            b"Content-Type: application/ndjson\r\n\r\n",
            ndjson.read_bytes(),
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    return urllib.request.Request(
        f"{base_url.rstrip('/')}/api/saved_objects/_import?overwrite=true",
        data=body,
        method="POST",
        headers={"osd-xsrf": "true", "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )


def import_saved_objects(
    base_url: str | None = None, ndjson: Path = SAVED_OBJECTS, timeout: float = IMPORT_TIMEOUT_SECONDS
) -> int:
    """Import the web-log dashboards into OpenSearch Dashboards; the number of objects imported.

    Connection errors and 5xx answers (Dashboards still starting) are retried for `timeout` seconds;
    an import Dashboards rejects raises DockerStackError with its errors.
    """
    if not ndjson.is_file():
        raise DockerStackError(f"{ndjson} is missing: restore it from the project (docker/opensearch-dashboards/)")
    url = base_url or dashboards_url()
    fix = f"check `docker compose logs {DASHBOARDS_SERVICE}`, then run `cadabra up` again (it imports again)"

    def attempt() -> tuple[int, Any]:
        """(200, answer) or (4xx, detail); raises (so wait_until tries again) while Dashboards is not ready."""
        try:
            with urllib.request.urlopen(import_request(url, ndjson), timeout=30) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as err:
            if err.code >= 500:
                raise
            return err.code, err.read().decode("utf-8", "replace")[:500]

    try:
        status, answer = wait_until(attempt, timeout=timeout, interval=2.0, message=f"OpenSearch Dashboards at {url}")
    except WaitTimeout as err:
        raise DockerStackError(f"importing {ndjson.name} failed: {err}; {fix}") from None
    if status >= 300:
        raise DockerStackError(f"OpenSearch Dashboards refused the saved objects import ({status}): {answer}; {fix}")
    if not answer.get("success"):
        errors = [f"{e.get('type')} {e.get('id')}: {e.get('error')}" for e in answer.get("errors", [])]
        raise DockerStackError(f"OpenSearch Dashboards rejected part of {ndjson.name}: {'; '.join(errors)}; {fix}")
    return int(answer.get("successCount", 0))


def _import_dashboards(progress: Progress | None) -> None:
    count = import_saved_objects()
    if progress is not None:
        progress(
            f"imported {count} saved objects into OpenSearch Dashboards: "
            f"{dashboards_url()}/app/dashboards#/view/{DASHBOARD_ID}"
        )


def down(settings: Settings, remove_volumes: bool = False, env: Mapping[str, str] | None = None) -> None:
    """Stop the Docker stack; its data volumes stay unless `remove_volumes`."""
    env = docker_env(settings) if env is None else env
    engine_client(env).close()
    _check_compose(env)
    _run(down_command(remove_volumes), env, None)
    settings.stack_file.unlink(missing_ok=True)


def status(settings: Settings, client: Any = None, env: Mapping[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """Each compose service -> {"healthy": bool, "state": ..., "health": ...}.

    `localstack` also carries "services": LocalStack's own state per AWS service. When no engine
    answers, every service is reported unhealthy with the reason rather than raising, so
    `cadabra status` can always print a table.
    """
    names = services()
    if client is None:
        try:
            client = engine_client(docker_env(settings) if env is None else env)
        except DockerStackError as err:
            return {name: {"healthy": False, "state": "unknown", "error": str(err)} for name in names}
    containers = client.containers.list(
        all=True, filters={"label": f"com.docker.compose.project={PROJECT_NAME}"}, ignore_removed=True
    )
    by_service = {c.labels.get("com.docker.compose.service"): c for c in containers}
    report: dict[str, dict[str, Any]] = {}
    for name in names:
        container = by_service.get(name)
        if container is None:
            report[name] = {"healthy": False, "state": "absent"}
            continue
        state = container.attrs.get("State", {})
        health = (state.get("Health") or {}).get("Status", "none")
        report[name] = {
            "healthy": state.get("Status") == "running" and health == "healthy",
            "state": state.get("Status", "unknown"),
            "health": health,
            "container": container.name,
        }
    if "localstack" in report and report["localstack"]["healthy"]:
        report["localstack"]["services"] = localstack_services(settings)
    return report


def localstack_services(settings: Settings, timeout: float = 3.0) -> dict[str, str]:
    """LocalStack's state per AWS service ("available", "running", ...) from its health endpoint."""
    url = f"{settings.aws_endpoint}/_localstack/health"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = json.load(response)
    except (urllib.error.URLError, OSError, ValueError) as err:
        return {"error": f"{url} did not answer ({err})"}
    return dict(body.get("services", {}))
