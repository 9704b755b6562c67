from pathlib import Path

import pytest

from sandbox.settings import SettingsError, Stack, load


def test_defaults_match_the_localstack_conventions(tmp_path):
    s = load({"CADABRA_STATE_DIR": str(tmp_path)})
    assert s.stack is Stack.EMBEDDED
    assert s.aws_endpoint == "http://127.0.0.1:4566"
    assert s.opensearch_url == "http://127.0.0.1:9200"
    assert s.postgres_dsn == "postgresql://cadabra:cadabra@127.0.0.1:5439/dev"
    assert s.console_url == "http://127.0.0.1:8080"
    assert (s.region, s.account_id, s.access_key_id) == ("us-east-1", "000000000000", "test")


def test_ports_and_hosts_come_from_the_environment(tmp_path):
    s = load({
        "CADABRA_STATE_DIR": str(tmp_path), "CADABRA_AWS_PORT": "14566", "CADABRA_POSTGRES_PORT": "15439",
        "CADABRA_AWS_HOST": "localstack", "CADABRA_STACK": "docker",
    })
    assert s.stack is Stack.DOCKER
    assert s.aws_endpoint == "http://localstack:14566"
    assert s.postgres_dsn.endswith("@127.0.0.1:15439/dev")


def test_the_aws_stack_has_no_endpoint_override(tmp_path):
    s = load({"CADABRA_STATE_DIR": str(tmp_path), "CADABRA_STACK": "aws"})
    assert s.aws_endpoint is None
    assert s.aws_credentials == {}


def test_a_recorded_stack_is_used_when_none_is_asked_for(tmp_path):
    (tmp_path / "stack").write_text("docker\n")
    assert load({"CADABRA_STATE_DIR": str(tmp_path)}).stack is Stack.DOCKER
    assert load({"CADABRA_STATE_DIR": str(tmp_path), "CADABRA_STACK": "embedded"}).stack is Stack.EMBEDDED


@pytest.mark.parametrize(
    "env, fragment",
    [({"CADABRA_STACK": "kubernetes"}, "use one of embedded, docker, aws"),
     ({"CADABRA_AWS_PORT": "four"}, "CADABRA_AWS_PORT='four' is not a number")],
)
def test_bad_values_name_the_fix(tmp_path, env, fragment):
    with pytest.raises(SettingsError, match=fragment):
        load({"CADABRA_STATE_DIR": str(tmp_path), **env})


def test_only_the_settings_module_reads_the_environment():
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for folder in ("sandbox", "generators", "spark_jobs"):
        for path in (root / folder).rglob("*.py"):
            if path.name == "settings.py" and path.parent.name == "sandbox":
                continue
            if path.name == "lambda_worker.py":  # the Lambda runtime reads its own environment, as AWS's does
                continue
            text = path.read_text()
            if "os.environ" in text or "os.getenv" in text:
                offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_firehose_reaches_opensearch_by_service_name_on_the_docker_stack(tmp_path):
    embedded = load({"CADABRA_STATE_DIR": str(tmp_path)})
    docker = load({"CADABRA_STATE_DIR": str(tmp_path), "CADABRA_STACK": "docker"})
    assert embedded.opensearch_url_for_aws == embedded.opensearch_url == "http://127.0.0.1:9200"
    assert docker.opensearch_url_for_aws == "http://opensearch:9200"
    assert docker.opensearch_url == "http://127.0.0.1:9200"  # the host's view, for the CLI


def test_alarm_settings_the_stream_job_cannot_run_are_an_error_naming_the_variable(tmp_path):
    with pytest.raises(SettingsError, match="CADABRA_ALARM_SLIDE_SECONDS=20"):
        load({"CADABRA_STATE_DIR": str(tmp_path), "CADABRA_ALARM_SLIDE_SECONDS": "20"})
    with pytest.raises(SettingsError, match="CADABRA_ALARM_THRESHOLD=0"):
        load({"CADABRA_STATE_DIR": str(tmp_path), "CADABRA_ALARM_THRESHOLD": "0"})
