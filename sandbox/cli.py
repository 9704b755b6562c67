"""`cadabra`: the sandbox's command line (up, down, status, deploy, demo and the look-inside commands)."""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from dataclasses import replace
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from sandbox.settings import Settings, SettingsError, Stack, docker_engine_answers, explicit_stack, get_settings
from sandbox.stack.errors import StackError
from sandbox.tables import Column, clock, short_arn, show

app = typer.Typer(help="Cadabra sandbox: the Cadabra.com AWS big-data pipelines on one machine.", no_args_is_help=True)
lambda_app = typer.Typer(help="Lambda functions running in localcloud.", no_args_is_help=True)
esm_app = typer.Typer(help="Event source mappings (Kinesis/SQS → Lambda).", no_args_is_help=True)
firehose_app = typer.Typer(help="Firehose delivery streams.", no_args_is_help=True)
replay_app = typer.Typer(help="Replay data into the pipelines (orders, logs).", no_args_is_help=True)
app.add_typer(replay_app, name="replay")
app.add_typer(lambda_app, name="lambda")
app.add_typer(esm_app, name="esm")
app.add_typer(firehose_app, name="firehose")

out = Console()
err = Console(stderr=True)


def fail(message: str, code: int = 1) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def _settings() -> Settings:
    try:
        return get_settings()
    except SettingsError as exc:
        fail(str(exc))
        raise  # unreachable


def _chosen_stack(stack: Optional[str], prefer_docker: bool = True) -> Settings:
    """The stack to start: --stack, then STACK/CADABRA_STACK, then (for `up`) Docker if it answers."""
    settings = _settings()
    wanted = stack or explicit_stack()
    if wanted is None:
        wanted = Stack.DOCKER.value if prefer_docker and docker_engine_answers() else Stack.EMBEDDED.value
    try:
        return settings.with_stack(wanted.lower())
    except ValueError:
        fail(f"unknown stack {wanted!r}: use embedded, docker or aws")
        raise


def _progress(message: str) -> None:
    out.print(f"  [dim]·[/] {message}", highlight=False)


def print_endpoints(settings: Settings) -> None:
    table = Table(title=f"Cadabra sandbox ({settings.stack.value} stack)", show_header=True)
    table.add_column("what")
    table.add_column("endpoint")
    table.add_row("AWS APIs (localcloud)", settings.aws_endpoint or "real AWS")
    table.add_row("OpenSearch API", settings.opensearch_url)
    table.add_row("PostgreSQL (Redshift)", settings.postgres_dsn)
    table.add_row("Console", settings.console_url)
    for service, url in settings.service_endpoints.items():
        table.add_row(f"AWS {service} (sandbox service)", url)
    out.print(table)
    if settings.aws_endpoint:
        out.print(
            f"  aws --endpoint-url {settings.aws_endpoint} kinesis list-streams   "
            f"(credentials test/test, region {settings.region})",
            highlight=False,
        )
        out.print(f"  psql {settings.postgres_dsn}   (Redshift cluster {settings.names.redshift_cluster})", highlight=False)
        if settings.service_endpoints:
            exports = " ".join(f"{k}={v}" for k, v in settings.endpoint_environment().items())
            out.print(f"  for your own tools: export {exports}", highlight=False)


def _start(settings: Settings, deploy_after: bool = True) -> None:
    started = time.perf_counter()
    try:
        if settings.stack is Stack.EMBEDDED:
            from sandbox.stack import embedded

            fresh = embedded.up(settings, progress=_progress)
        elif settings.stack is Stack.DOCKER:
            from sandbox import docker_stack

            fresh = docker_stack.up(settings, progress=_progress)
        else:
            fresh = False
    except StackError as exc:
        fail(str(exc))
    if fresh:
        out.print(f"[green]stack healthy[/] in {time.perf_counter() - started:.1f}s")
    if deploy_after:
        _deploy(settings)
    print_endpoints(settings)


def _deploy(settings: Settings) -> None:
    from sandbox.deploy import deploy
    from sandbox.deploy.engine import DeployError

    started = time.perf_counter()
    try:
        report = deploy(settings, progress=_progress)
    except DeployError as exc:
        fail(f"{exc}\n  the stack is up; fix the resource declaration and run `cadabra deploy` again")
    out.print(f"deployed: {report.summary()} ({time.perf_counter() - started:.1f}s)", highlight=False)


@app.command()
def up(
    stack: Optional[str] = typer.Option(None, help="embedded (default), docker (when a Docker engine answers) or aws"),
    deploy: bool = typer.Option(True, help="deploy every pipeline's resources once healthy"),
) -> None:
    """Start the stack in the background, wait until healthy, deploy, print the endpoints."""
    _start(_chosen_stack(stack), deploy_after=deploy)


@app.command()
def down() -> None:
    """Stop everything `cadabra up` started."""
    settings = _settings()
    if settings.stack is Stack.DOCKER:
        from sandbox import docker_stack

        try:
            docker_stack.down(settings)
        except StackError as exc:
            fail(str(exc))
        out.print("docker stack stopped")
        return
    from sandbox.stack import embedded

    if embedded.down(settings, progress=_progress):
        out.print("embedded stack stopped")
    else:
        out.print("nothing was running")


STATUS_COLUMNS = [Column("component"), Column("health"), Column("detail", "endpoint / detail", text=True),
                  Column("version", wide=True, text=True)]


@app.command()
def status(
    as_json: bool = typer.Option(False, "--json", help="print JSON (keys aws, opensearch, postgres, console, components)"),
    wide: bool = typer.Option(False, "--wide", help="every column"),
) -> None:
    """Health of every component and the endpoints."""
    from sandbox.stack import health

    settings = _settings()
    if settings.stack is Stack.DOCKER:
        from sandbox import docker_stack

        document = health.describe(settings, docker_stack.status(settings))
    else:
        document = health.describe(settings)
    if as_json:
        print(json.dumps(document, indent=2))
    else:
        rows = [{"component": name, "health": "[green]healthy[/]" if info.get("healthy") else "[red]down[/]",
                 "detail": info.get("url") or info.get("dsn") or info.get("error") or "", "version": info.get("version")}
                for name, info in document["components"].items()]
        rows += [{"component": "stream job",
                  "health": "[{0}]{1}[/]".format({"running": "green", "starting": "yellow"}.get(info["state"], "red"),
                                                 info["state"]),
                  "detail": f"{name}: {info.get('detail') or ''}", "version": None}
                 for name, info in document.get("jobs", {}).items()]
        show(out, rows, STATUS_COLUMNS, title=f"{settings.stack.value} stack", wide=wide)
    if not document["healthy"]:
        raise typer.Exit(1)


@app.command()
def deploy() -> None:
    """Create or update every pipeline's resources (idempotent)."""
    _deploy(_settings())


@app.command()
def destroy() -> None:
    """Remove every pipeline's resources."""
    from sandbox.deploy import destroy as destroy_all

    report = destroy_all(_settings(), progress=_progress)
    out.print(f"destroyed: {report.summary()}")


@app.command()
def demo(stack: Optional[str] = typer.Option(None, help="embedded (default) or docker")) -> None:
    """Use the stack that is up (or start one), deploy, run each pipeline's demo step, say where to look."""
    settings = _settings()
    from sandbox.stack import health

    if not all(c["healthy"] for c in health.components(settings).values()) or stack:
        settings = _chosen_stack(stack, prefer_docker=False)  # the demo's default is the embedded stack
        _start(settings, deploy_after=True)
    else:
        _deploy(settings)
        print_endpoints(settings)
    from sandbox.demo import run_steps, summary_rows
    from sandbox.pipelines_registry import pipeline_modules

    started = time.perf_counter()
    results = run_steps(settings, out, pipeline_modules("demo"))
    if not results:
        out.print("no pipeline has a demo step yet: the stack is up and deployed, nothing else to show")
    out.rule("summary")
    show(out, summary_rows(results), DEMO_COLUMNS, title=f"demo steps ({time.perf_counter() - started:.0f} s)")
    out.rule("where to look")
    out.print(f"console: {settings.console_url}   status: `cadabra status`", highlight=False)
    out.print("the stack stays up for exploring; `make down` (or `cadabra down`) stops all of it", highlight=False)
    failed = [r for r in results if not r.ok]
    if failed:
        fail("the demo's pipelines that produced no output: " + "; ".join(f"{r.pipeline} ({r.error})" for r in failed))


DEMO_COLUMNS = [Column("pipeline"), Column("seconds"), Column("result", text=True)]


# -- look inside localcloud (served by the console in the supervisor's process) ---------------------


def _console_json(settings: Settings, path: str) -> Any:
    try:
        with urllib.request.urlopen(settings.console_url + path, timeout=5) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        fail(f"{path}: {exc.code} {exc.read().decode(errors='replace')}")
    except OSError as exc:
        fail(f"the console at {settings.console_url} does not answer ({exc}): is the stack up? run `make up`")


WIDE = typer.Option(False, "--wide", help="every column (the default fits 80 columns)")
AS_JSON = typer.Option(False, "--json", help="every field as JSON")

ESM_COLUMNS = [
    Column("function", format=short_arn), Column("source", format=short_arn), Column("state"),
    Column("last_result", "last result", text=True), Column("iterator_age_ms", "age ms"),
    Column("records"), Column("shards", wide=True), Column("failures", wide=True), Column("uuid", wide=True),
]
ESM_SHARD_COLUMNS = [
    Column("function", format=short_arn), Column("source", format=short_arn), Column("state"),
    Column("last_result", "last result", text=True), Column("shard_id", "shard"),
    Column("iterator_age_ms", "age ms"), Column("checkpoint"), Column("records"), Column("batches"), Column("failures"),
    Column("discarded"), Column("batch_size", "batch"), Column("uuid"),
]
FIREHOSE_COLUMNS = [
    Column("name"), Column("destination", text=True), Column("buffered_records", "buffered"),
    Column("delivered_records", "delivered"), Column("failed_records", "failed"),
    Column("last_delivery", "last", format=clock), Column("buffered_bytes", "bytes", wide=True), Column("source", wide=True),
    Column("source_stream", "source stream", wide=True, format=short_arn),
    Column("transform", wide=True, format=short_arn), Column("dropped_records", "dropped", wide=True),
    Column("last_error", "last error", wide=True, text=True),
]
LAMBDA_COLUMNS = [
    Column("function"), Column("version", "ver"), Column("invocations", "calls"), Column("errors"),
    Column("warm_workers", "warm"), Column("cold_starts", "cold"), Column("last_duration_ms", "last ms"),
    Column("last_error", "last error", wide=True, text=True),
]
INBOX_COLUMNS = [
    Column("time", format=clock), Column("protocol", wide=True), Column("endpoint"),
    Column("subject", text=True), Column("message", text=True),
]


@esm_app.command("list")
def esm_list(wide: bool = WIDE, as_json: bool = AS_JSON) -> None:
    """State, last result and iterator age of every event source mapping (`--wide`: one row per shard)."""
    mappings = _console_json(_settings(), "/api/localcloud/esm")
    if as_json or not wide:
        rows = mappings if as_json else [_esm_summary(m) for m in mappings]
        show(out, rows, ESM_COLUMNS, title="event source mappings", as_json=as_json)
        return
    rows = [{**m, **shard} for m in mappings for shard in (m.get("shards") or [{}])]
    show(out, rows, ESM_SHARD_COLUMNS, title="event source mappings (one row per shard)", wide=True)


def _esm_summary(mapping: dict[str, Any]) -> dict[str, Any]:
    """A mapping's shards folded into one row."""
    from sandbox.console.resources import fold_shards

    return {**mapping, **fold_shards(mapping.get("shards") or [])}


@firehose_app.command("list")
def firehose_list(wide: bool = WIDE, as_json: bool = AS_JSON) -> None:
    """Buffered records, deliveries and failures of every delivery stream."""
    show(out, _console_json(_settings(), "/api/localcloud/firehose"), FIREHOSE_COLUMNS, title="delivery streams",
         wide=wide, as_json=as_json)


@lambda_app.command("list")
def lambda_list(wide: bool = WIDE, as_json: bool = AS_JSON) -> None:
    """Invocations, errors, warm workers and cold starts of every function that has run."""
    show(out, _console_json(_settings(), "/api/localcloud/lambda"), LAMBDA_COLUMNS, title="functions that have run",
         wide=wide, as_json=as_json)


@app.command()
def inbox(wide: bool = WIDE, as_json: bool = AS_JSON) -> None:
    """Email and SMS messages SNS delivered (recorded, not sent)."""
    show(out, _console_json(_settings(), "/api/localcloud/sns"), INBOX_COLUMNS, title="messages in the inbox",
         wide=wide, as_json=as_json, empty="no messages in the inbox")


@lambda_app.command("logs")
def lambda_logs(
    name: str,
    follow: bool = typer.Option(False, "--follow", "-f", help="keep printing new log events"),
    since: int = typer.Option(3600, help="seconds back to start from"),
) -> None:
    """Print the CloudWatch Logs of /aws/lambda/NAME."""
    from botocore.exceptions import ClientError

    from sandbox.aws import client

    logs = client("logs", _settings())
    start = int((time.time() - since) * 1000)
    seen: set[str] = set()
    while True:
        kwargs: dict[str, Any] = {"logGroupName": f"/aws/lambda/{name}", "startTime": start}
        try:
            events: list[dict[str, Any]] = []
            for page in logs.get_paginator("filter_log_events").paginate(**kwargs):
                events.extend(page.get("events", []))
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ResourceNotFoundException" and not follow:
                fail(f"no logs for function {name!r} yet (log group /aws/lambda/{name} does not exist)")
            events = []
        for event in sorted(events, key=lambda e: (e["timestamp"], e.get("eventId", ""))):
            if event["eventId"] in seen:
                continue
            seen.add(event["eventId"])
            stamp = time.strftime("%H:%M:%S", time.localtime(event["timestamp"] / 1000))
            print(f"{stamp} {event['message'].rstrip()}")
            start = max(start, event["timestamp"])
        if not follow:
            return
        sys.stdout.flush()
        time.sleep(1.0)


@app.command("serve-docker", hidden=True)
def serve_docker() -> None:
    """Inside the `sandbox` container: serve the console against the Docker stack's services."""
    import uvicorn

    from sandbox.console.app import create_app

    from sandbox.localcloud.registry import DOCKER_EXTENSIONS
    from sandbox.localcloud.server import LocalCloud
    from sandbox.stack.stream_job import StreamJob, order_rate_alarm_argv

    settings = replace(_settings(), stack=Stack.DOCKER)
    # Glue crawlers, Athena and the Redshift Data API, which LocalStack Community lacks; clients
    # reach them through AWS_ENDPOINT_URL_GLUE/_ATHENA/_REDSHIFT_DATA (settings.service_endpoints).
    services = LocalCloud(settings, DOCKER_EXTENSIONS, bind=(settings.console_bind, settings.ports.services)).start()
    job = None
    if settings.stream_jobs:  # pipeline 3's job, its driver here, its executors on the compose Spark master
        settings.log_dir.mkdir(parents=True, exist_ok=True)
        job = StreamJob(settings, settings.names.alarms_job, order_rate_alarm_argv(settings))
        job.start()
    try:
        uvicorn.run(create_app(settings, services.runtime), host=settings.console_bind, port=settings.ports.console,
                    log_level="info")
    finally:
        if job is not None:
            job.stop()
        services.stop()


def _register_pipeline_commands() -> None:
    """Pipelines with commands expose `register(app, groups)` in pipelines/<name>/cli.py
    (groups: the shared sub-commands, e.g. groups["replay"] for `cadabra replay ...`)."""
    from sandbox.pipelines_registry import pipeline_modules

    for _, module in pipeline_modules("cli"):
        module.register(app, {"replay": replay_app})


_register_pipeline_commands()


if __name__ == "__main__":
    app()
