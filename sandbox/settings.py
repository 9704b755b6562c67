"""One settings module: the stack in use, its endpoints, ports and resource names.

This is the only module that reads the environment. Everything else asks `get_settings()`.

Stacks:
- ``embedded`` (default): localcloud (moto + data-plane extensions), osmem-server, PostgreSQL and the
  console, started by ``cadabra up`` on loopback ports.
- ``docker``: docker-compose.yml (LocalStack, OpenSearch, Spark, PostgreSQL, the sandbox image).
- ``aws``: no endpoint overrides; boto3 resolves real AWS endpoints and credentials.

Environment variables (all optional):
  CADABRA_STACK            embedded | docker | aws (else: the stack recorded by `cadabra up`, else embedded)
  CADABRA_STATE_DIR        where the embedded stack keeps data, logs and PIDs (default: <repo>/.sandbox)
  CADABRA_AWS_PORT, CADABRA_OPENSEARCH_PORT, CADABRA_POSTGRES_PORT, CADABRA_CONSOLE_PORT
  CADABRA_REGION           default us-east-1
  CADABRA_ORDERS_SHARDS    shards of the CadabraOrders stream (default 2)
  CADABRA_SPARK_MASTER     Spark master URL (default local[2]; the Docker stack sets spark://spark-master:7077)
  CADABRA_LAMBDA_IDLE_SECONDS
                           how long a warm Lambda worker may sit idle before localcloud stops it
                           (default 300; AWS reclaims idle execution environments after minutes)
  CADABRA_HOST             host of the stack's endpoints (default 127.0.0.1)
  CADABRA_CONSOLE_BIND     address the console listens on (default 127.0.0.1; only the container sets it)
  CADABRA_ALARM_WINDOW_SECONDS, CADABRA_ALARM_SLIDE_SECONDS, CADABRA_ALARM_THRESHOLD,
  CADABRA_ALARM_SUPPRESS_SECONDS
                           pipeline 3's sliding window (10 s, sliding 1 s), the orders per window that
                           raise an alarm (10) and the quiet time after an alarm (60 s)
  CADABRA_ALARM_SMS        phone number (E.164) SNS CadabraAlarms texts (default +15555550100, a
                           fictional number: localcloud records it in its inbox; on AWS set a real one)
  CADABRA_ALARM_EMAIL      address SNS CadabraAlarms mails (default oncall@cadabra.example; on AWS
                           the address must confirm the subscription)
  CADABRA_STREAM_JOBS      on | off: whether the stack's supervisor runs the Spark stream job (default on)
  CADABRA_AWS_HOST, CADABRA_OPENSEARCH_HOST, CADABRA_POSTGRES_HOST, CADABRA_SERVICES_HOST
                           per-service hosts (the `sandbox` container uses compose service names)
  CADABRA_SERVICES_PORT    Docker stack: the `sandbox` service's port for Glue, Athena and the Redshift
                           Data API, which LocalStack Community lacks (default 4567)
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


SANDBOX_SERVICES = ("glue", "athena", "redshift-data")  # served by the `sandbox` service on the Docker stack


class Stack(StrEnum):
    EMBEDDED = "embedded"
    DOCKER = "docker"
    AWS = "aws"


class SettingsError(ValueError):
    """A setting has a value the sandbox cannot use; the message names the fix."""


@dataclass(frozen=True)
class Ports:
    aws: int = 4566
    opensearch: int = 9200
    postgres: int = 5439
    console: int = 8080
    services: int = 4567  # Docker stack: the `sandbox` service's AWS endpoint (Glue, Athena, Redshift Data API)

    def as_dict(self) -> dict[str, int]:
        return {"aws": self.aws, "opensearch": self.opensearch, "postgres": self.postgres, "console": self.console}


@dataclass(frozen=True)
class Hosts:
    aws: str = "127.0.0.1"
    opensearch: str = "127.0.0.1"
    postgres: str = "127.0.0.1"
    console: str = "127.0.0.1"
    services: str = "127.0.0.1"


@dataclass(frozen=True)
class Names:
    """Resource names from the course material, used by pipelines and the console."""

    orders_stream: str = "CadabraOrders"
    orders_table: str = "CadabraOrders"
    orders_function: str = "ProcessOrders"
    orders_dlq: str = "CadabraOrdersDLQ"
    weblogs_firehose: str = "WebLogs"
    weblogs_function: str = "LogTransform"
    weblogs_index: str = "weblogs"
    purchase_firehose: str = "PurchaseLogs"
    recommendations_table: str = "CadabraRecommendations"
    alarms_stream: str = "OrderRateAlarms"
    alarms_function: str = "TransactionRateAlarm"
    alarms_topic: str = "CadabraAlarms"
    alarms_inbox: str = "CadabraAlarmsInbox"
    alarms_dlq: str = "OrderRateAlarmsDLQ"
    alarms_job: str = "order_rate_alarm"
    datalake_bucket: str = "cadabra-datalake"
    lambda_role: str = "cadabra-lambda-role"
    glue_database: str = "orderlogs"
    glue_crawler: str = "orderlogs-crawler"
    redshift_cluster: str = "cadabra"
    athena_results_bucket: str = "cadabra-athena-results"


@dataclass(frozen=True)
class AlarmSettings:
    """Pipeline 3: the sliding window, the threshold, the quiet time and where SNS sends alarms."""

    window_seconds: int = 10
    slide_seconds: int = 1
    threshold: int = 10
    suppress_seconds: int = 60
    sms_number: str = "+15555550100"
    email: str = "oncall@cadabra.example"

    def __post_init__(self) -> None:
        """The stream job's own rules (spark_jobs.order_rate_alarm.AlarmConfig, which also runs without
        these settings under spark-submit), checked here so a bad value stops `cadabra up` with the
        variables to fix instead of a job that fails at every restart."""
        from spark_jobs.order_rate_alarm import AlarmConfig

        try:
            AlarmConfig(self.window_seconds, self.slide_seconds, self.threshold, self.suppress_seconds)
        except ValueError as exc:
            raise SettingsError(
                f"CADABRA_ALARM_WINDOW_SECONDS={self.window_seconds}, CADABRA_ALARM_SLIDE_SECONDS={self.slide_seconds}, "
                f"CADABRA_ALARM_THRESHOLD={self.threshold}, CADABRA_ALARM_SUPPRESS_SECONDS={self.suppress_seconds}: "
                f"{exc}") from None


@dataclass(frozen=True)
class Settings:
    stack: Stack = Stack.EMBEDDED
    hosts: Hosts = field(default_factory=Hosts)
    console_bind: str = "127.0.0.1"
    region: str = "us-east-1"
    account_id: str = "000000000000"
    access_key_id: str = "test"
    secret_access_key: str = "test"
    ports: Ports = field(default_factory=Ports)
    names: Names = field(default_factory=Names)
    state_dir: Path = PROJECT_ROOT / ".sandbox"
    orders_shards: int = 2
    spark_master: str = "local[2]"
    postgres_db: str = "dev"
    postgres_user: str = "cadabra"
    postgres_password: str = "cadabra"
    alarm: AlarmSettings = field(default_factory=AlarmSettings)
    stream_jobs: bool = True
    lambda_idle_seconds: float = 300.0

    # -- endpoints -------------------------------------------------------------------------
    @property
    def aws_endpoint(self) -> str | None:
        """The AWS API endpoint; None on the `aws` stack (boto3 picks real endpoints)."""
        if self.stack is Stack.AWS:
            return None
        return f"http://{self.hosts.aws}:{self.ports.aws}"

    @property
    def service_endpoints(self) -> dict[str, str]:
        """AWS services answered elsewhere than `aws_endpoint`, by boto3 service name. On the Docker
        stack LocalStack Community lacks Glue crawlers, Athena and the Redshift Data API: the
        `sandbox` service answers them (localcloud's extensions) on its own port."""
        if self.stack is not Stack.DOCKER:
            return {}
        url = f"http://{self.hosts.services}:{self.ports.services}"
        return {service: url for service in SANDBOX_SERVICES}

    def endpoint_for(self, service: str) -> str | None:
        """The endpoint a boto3 client of `service` uses (None: boto3's own, on the aws stack)."""
        return self.service_endpoints.get(service) or self.aws_endpoint

    def endpoint_environment(self) -> dict[str, str]:
        """AWS_ENDPOINT_URL and the per-service AWS_ENDPOINT_URL_<SERVICE> variables boto3 and the
        aws CLI read, for a user's own tools (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html)."""
        if self.aws_endpoint is None:
            return {}
        env = {"AWS_ENDPOINT_URL": self.aws_endpoint}
        for service, url in self.service_endpoints.items():
            env["AWS_ENDPOINT_URL_" + service.upper().replace("-", "_")] = url
        return env

    @property
    def opensearch_url(self) -> str:
        return f"http://{self.hosts.opensearch}:{self.ports.opensearch}"

    @property
    def opensearch_url_for_aws(self) -> str:
        """OpenSearch as AWS services reach it (Firehose's ClusterEndpoint): on the Docker stack
        LocalStack runs in the compose network, where the search node is the `opensearch` service."""
        if self.stack is Stack.DOCKER:
            return f"http://opensearch:{self.ports.opensearch}"
        return self.opensearch_url

    @property
    def postgres_dsn(self) -> str:
        """A libpq connection string (psql, psycopg2)."""
        return (
            f"postgresql://{self.postgres_user}:{self.postgres_password}"
            f"@{self.hosts.postgres}:{self.ports.postgres}/{self.postgres_db}"
        )

    @property
    def console_url(self) -> str:
        return f"http://{self.hosts.console}:{self.ports.console}"

    # -- files of the embedded stack -------------------------------------------------------
    @property
    def log_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def pid_file(self) -> Path:
        return self.state_dir / "supervisor.pid"

    @property
    def stack_file(self) -> Path:
        """Records which stack `cadabra up` started, so later commands talk to it."""
        return self.state_dir / "stack"

    @property
    def postgres_data_dir(self) -> Path:
        return self.state_dir / "postgres"

    @property
    def jobs_dir(self) -> Path:
        """Status files of the stream jobs the supervisor runs."""
        return self.state_dir / "jobs"

    @property
    def checkpoint_dir(self) -> Path:
        """Spark Structured Streaming checkpoints (offsets, window state, the alarm ledger)."""
        return self.state_dir / "spark" / "checkpoints"

    @property
    def aws_credentials(self) -> dict[str, str]:
        """Keyword arguments for boto3 (empty on the aws stack: use the user's own chain)."""
        if self.stack is Stack.AWS:
            return {}
        return {"aws_access_key_id": self.access_key_id, "aws_secret_access_key": self.secret_access_key}

    def with_stack(self, stack: Stack | str) -> "Settings":
        return replace(self, stack=Stack(stack))


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number: set it to an integer such as {default}") from None


def _seconds(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise SettingsError(f"{name}={raw!r} is not a positive number of seconds: set it to e.g. {default:g}")
    return value


def load(env: dict[str, str] | None = None) -> Settings:
    """Build settings from an environment mapping (default: os.environ)."""
    env = dict(os.environ if env is None else env)
    state_dir = Path(env["CADABRA_STATE_DIR"]).resolve() if env.get("CADABRA_STATE_DIR") else PROJECT_ROOT / ".sandbox"
    raw_stack = env.get("CADABRA_STACK") or _recorded_stack(state_dir / "stack") or Stack.EMBEDDED.value
    try:
        stack = Stack(raw_stack.lower())
    except ValueError:
        choices = ", ".join(s.value for s in Stack)
        raise SettingsError(f"CADABRA_STACK={raw_stack!r} is not a stack: use one of {choices}") from None
    defaults = Ports()
    ports = Ports(
        aws=_int(env, "CADABRA_AWS_PORT", defaults.aws),
        opensearch=_int(env, "CADABRA_OPENSEARCH_PORT", defaults.opensearch),
        postgres=_int(env, "CADABRA_POSTGRES_PORT", defaults.postgres),
        console=_int(env, "CADABRA_CONSOLE_PORT", defaults.console),
        services=_int(env, "CADABRA_SERVICES_PORT", defaults.services),
    )
    host = env.get("CADABRA_HOST") or "127.0.0.1"
    hosts = Hosts(
        aws=env.get("CADABRA_AWS_HOST") or host,
        opensearch=env.get("CADABRA_OPENSEARCH_HOST") or host,
        postgres=env.get("CADABRA_POSTGRES_HOST") or host,
        console=host,
        services=env.get("CADABRA_SERVICES_HOST") or host,
    )
    alarm = AlarmSettings()  # the defaults
    return Settings(
        stack=stack,
        hosts=hosts,
        console_bind=env.get("CADABRA_CONSOLE_BIND") or "127.0.0.1",
        orders_shards=_int(env, "CADABRA_ORDERS_SHARDS", 2),
        spark_master=env.get("CADABRA_SPARK_MASTER") or "local[2]",
        region=env.get("CADABRA_REGION") or "us-east-1",
        alarm=AlarmSettings(
            window_seconds=_int(env, "CADABRA_ALARM_WINDOW_SECONDS", alarm.window_seconds),
            slide_seconds=_int(env, "CADABRA_ALARM_SLIDE_SECONDS", alarm.slide_seconds),
            threshold=_int(env, "CADABRA_ALARM_THRESHOLD", alarm.threshold),
            suppress_seconds=_int(env, "CADABRA_ALARM_SUPPRESS_SECONDS", alarm.suppress_seconds),
            sms_number=env.get("CADABRA_ALARM_SMS") or alarm.sms_number,
            email=env.get("CADABRA_ALARM_EMAIL") or alarm.email,
        ),
        stream_jobs=_switch(env, "CADABRA_STREAM_JOBS", True),
        lambda_idle_seconds=_seconds(env, "CADABRA_LAMBDA_IDLE_SECONDS", 300.0),
        ports=ports,
        state_dir=state_dir,
    )


def _switch(env: dict[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw in {"on", "1", "true", "yes"}:
        return True
    if raw in {"off", "0", "false", "no"}:
        return False
    raise SettingsError(f"{name}={raw!r} is not a switch: set it to on or off")


def _recorded_stack(path: Path) -> str | None:
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return load()


def docker_engine_answers() -> bool:
    """True when a Docker engine answers `docker info` (used by `cadabra up` to pick a stack)."""
    import shutil
    import subprocess

    if shutil.which("docker") is None:
        return False
    try:
        done = subprocess.run(["docker", "info"], capture_output=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def explicit_stack() -> str | None:
    """The stack the user asked for with CADABRA_STACK/STACK, if any."""
    return os.environ.get("CADABRA_STACK") or None


def configure_moto(settings: Settings) -> None:
    """moto answers for the stack's account (000000000000, as LocalStack) rather than its default."""
    os.environ["MOTO_ACCOUNT_ID"] = settings.account_id


def run_by_spark_submit() -> bool:
    """This Python driver was started by spark-submit, which started the JVM and chose the master (EMR,
    the Docker stack's Spark): pyspark then connects to the gateway named by PYSPARK_GATEWAY_PORT."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


def configure_local_spark(python: str, host: str = "127.0.0.1") -> None:
    """Before a local-mode Spark JVM starts: its web UI binds SPARK_LOCAL_IP (no conf key does it),
    and its Python workers (UDFs, Python data sources) run `python`, the interpreter with the
    project's dependencies, not whatever `python3` comes first on PATH."""
    os.environ["SPARK_LOCAL_IP"] = host
    os.environ.setdefault("PYSPARK_PYTHON", python)


def subprocess_env(settings: Settings, **extra: str) -> dict[str, str]:
    """Environment for a child process that should see the same settings (keeps PATH etc.)."""
    env = dict(os.environ)
    env.update(
        CADABRA_STACK=settings.stack.value,
        CADABRA_STATE_DIR=str(settings.state_dir),
        CADABRA_AWS_PORT=str(settings.ports.aws),
        CADABRA_OPENSEARCH_PORT=str(settings.ports.opensearch),
        CADABRA_POSTGRES_PORT=str(settings.ports.postgres),
        CADABRA_CONSOLE_PORT=str(settings.ports.console),
        CADABRA_SERVICES_PORT=str(settings.ports.services),
        CADABRA_REGION=settings.region,
        CADABRA_STREAM_JOBS="on" if settings.stream_jobs else "off",
        CADABRA_LAMBDA_IDLE_SECONDS=str(settings.lambda_idle_seconds),
    )
    env.update(settings.endpoint_environment())
    env.update(extra)
    return env
