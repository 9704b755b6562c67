"""OpenSearch Dashboards saved objects for pipeline 4 (Docker stack), checked without Dashboards.

No Docker engine runs here: the ndjson is checked statically (it parses, references resolve, the
fields exist in the weblogs index template) and the import request is sent to a test double HTTP
server on a free port.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest

from pipelines.weblogs import index_template
from sandbox import docker_stack

OBJECTS = [json.loads(line) for line in docker_stack.SAVED_OBJECTS.read_text().splitlines() if line.strip()]
BY_KEY = {(o["type"], o["id"]): o for o in OBJECTS}
MIGRATION_KEYS = {"index-pattern": "index-pattern", "visualization": "visualization", "dashboard": "dashboard"}


def _of_type(kind: str) -> list[dict[str, Any]]:
    return [o for o in OBJECTS if o["type"] == kind]


def _vis_state(vis: dict[str, Any]) -> dict[str, Any]:
    return json.loads(vis["attributes"]["visState"])


def _search_source(obj: dict[str, Any]) -> dict[str, Any]:
    return json.loads(obj["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])


# -- the ndjson -----------------------------------------------------------------------------------
def test_every_line_is_a_saved_object_with_id_type_and_attributes():
    lines = [line for line in docker_stack.SAVED_OBJECTS.read_text().splitlines() if line.strip()]
    assert len(lines) == len(OBJECTS) >= 6
    for obj in OBJECTS:
        assert isinstance(obj.get("id"), str) and obj["id"], obj
        assert obj.get("type") in MIGRATION_KEYS, obj.get("type")
        assert isinstance(obj.get("attributes"), dict) and obj["attributes"].get("title"), obj["id"]
        assert isinstance(obj.get("references"), list), obj["id"]
        # the 2.19 (Kibana 7.10 based) migration versions: Dashboards migrates nothing it need not
        assert MIGRATION_KEYS[obj["type"]] in obj.get("migrationVersion", {}), obj["id"]
    assert len(BY_KEY) == len(OBJECTS), "ids must be unique per type"


def test_one_index_pattern_on_weblogs_star_with_timestamp():
    (pattern,) = _of_type("index-pattern")
    assert pattern["attributes"]["title"] == "weblogs*"
    assert pattern["attributes"]["timeFieldName"] == "@timestamp"
    assert index_template.DASHBOARDS_INDEX_PATTERN["attributes"].items() <= pattern["attributes"].items()
    assert json.loads(pattern["attributes"]["fields"]) == [], "an empty field list makes Dashboards read the mapping"


def test_every_reference_resolves_and_the_chain_reaches_the_index_pattern():
    for obj in OBJECTS:
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in BY_KEY, f"{obj['id']} references a missing {ref}"
    (dashboard,) = _of_type("dashboard")
    (pattern,) = _of_type("index-pattern")
    panels = json.loads(dashboard["attributes"]["panelsJSON"])
    refs = {r["name"]: r for r in dashboard["references"]}
    shown = {refs[p["panelRefName"]]["id"] for p in panels}
    assert shown == {v["id"] for v in _of_type("visualization")}, "the dashboard shows every visualization"
    for panel in panels:
        assert refs[panel["panelRefName"]]["type"] == "visualization"
        assert set(panel["gridData"]) >= {"x", "y", "w", "h", "i"} and panel["gridData"]["i"] == panel["panelIndex"]
    for vis in _of_type("visualization"):
        source = _search_source(vis)
        vis_refs = {r["name"]: r for r in vis["references"]}
        assert "index" not in source, "the index goes through references (indexRefName), as exports write it"
        assert vis_refs[source["indexRefName"]] == {"name": source["indexRefName"], "type": "index-pattern",
                                                    "id": pattern["id"]}


def test_visualizations_cover_the_issue_and_use_mapped_fields():
    mapped = index_template.MAPPINGS["properties"]
    terms: dict[str, str] = {}
    histograms: list[dict[str, Any]] = []
    for vis in _of_type("visualization"):
        state = _vis_state(vis)
        assert state["title"] == vis["attributes"]["title"]
        for agg in state["aggs"]:
            field = agg["params"].get("field")
            if field is not None:
                assert field in mapped, f"{vis['id']} aggregates on {field}, which weblogs* does not map"
                assert mapped[field]["type"] != "text", f"{field} is text: it cannot be aggregated"
            if agg["type"] == "terms":
                terms[field] = state["type"]
            if agg["type"] == "date_histogram":
                histograms.append(state)
    assert {"response", "path", "host"} <= set(terms), "status codes, top paths and top client IPs"
    (over_time,) = histograms
    assert over_time["aggs"][1]["params"]["field"] == "@timestamp"
    queries = [f["input"]["query"] for a in over_time["aggs"] if a["type"] == "filters" for f in a["params"]["filters"]]
    assert "response:[500 TO 599]" in queries and len(queries) == 2, "requests and 5xx, as two series"
    metric_ids = {a["id"] for a in over_time["aggs"] if a["schema"] == "metric"}
    assert {s["data"]["id"] for s in over_time["params"]["seriesParams"]} <= metric_ids


def test_the_dashboard_opens_on_recent_traffic_and_refreshes():
    (dashboard,) = _of_type("dashboard")
    attributes = dashboard["attributes"]
    assert dashboard["id"] == docker_stack.DASHBOARD_ID
    assert attributes["timeRestore"] is True and attributes["timeFrom"].startswith("now-")
    assert attributes["refreshInterval"]["pause"] is False and attributes["refreshInterval"]["value"] > 0
    json.loads(attributes["optionsJSON"])
    json.loads(attributes["kibanaSavedObjectMeta"]["searchSourceJSON"])


# -- the import request ---------------------------------------------------------------------------
class _Dashboards(BaseHTTPRequestHandler):
    """A test double of the import endpoint: records each request, answers what the test queued."""

    received: list[dict[str, Any]]
    answers: list[tuple[int, dict[str, Any]]]

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append({"path": self.path, "headers": dict(self.headers), "body": body})
        status, answer = self.answers.pop(0) if self.answers else (200, {"success": True, "successCount": 0})
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def dashboards() -> Iterator[tuple[str, type[_Dashboards]]]:
    handler = type("Handler", (_Dashboards,), {"received": [], "answers": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _multipart_files(headers: dict[str, str], body: bytes) -> dict[str, tuple[str, bytes]]:
    raw = f"Content-Type: {headers['Content-Type']}\r\n\r\n".encode() + body
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    assert message.is_multipart()
    return {
        part.get_param("name", header="content-disposition"): (part.get_filename(), part.get_payload(decode=True))
        for part in message.iter_parts()
    }


def test_import_posts_the_ndjson_as_multipart_with_the_xsrf_header(dashboards):
    url, handler = dashboards
    handler.answers.append((200, {"success": True, "successCount": len(OBJECTS)}))
    assert docker_stack.import_saved_objects(url, timeout=5) == len(OBJECTS)
    (request,) = handler.received
    assert request["path"] == "/api/saved_objects/_import?overwrite=true"
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["osd-xsrf"] == "true"
    assert headers["content-type"].startswith("multipart/form-data; boundary=")
    files = _multipart_files({"Content-Type": headers["content-type"]}, request["body"])
    assert set(files) == {"file"}
    filename, content = files["file"]
    assert filename == "weblogs.ndjson" and content == docker_stack.SAVED_OBJECTS.read_bytes()


def test_import_retries_while_dashboards_starts(dashboards):
    url, handler = dashboards
    handler.answers += [(503, {"message": "OpenSearch Dashboards server is not ready yet"}),
                        (200, {"success": True, "successCount": 6})]
    assert docker_stack.import_saved_objects(url, timeout=20) == 6
    assert len(handler.received) == 2


def test_import_errors_name_the_objects_and_the_fix(dashboards):
    url, handler = dashboards
    handler.answers.append((200, {"success": False, "successCount": 5, "errors": [
        {"id": "weblogs-top-paths", "type": "visualization", "error": {"type": "missing_references"}}]}))
    with pytest.raises(docker_stack.DockerStackError) as caught:
        docker_stack.import_saved_objects(url, timeout=5)
    assert "visualization weblogs-top-paths" in str(caught.value) and "cadabra up" in str(caught.value)
    handler.answers.append((400, {"message": "bad request"}))
    with pytest.raises(docker_stack.DockerStackError, match=r"refused .*\(400\)"):
        docker_stack.import_saved_objects(url, timeout=5)
    assert len(handler.received) == 2, "a 4xx answer is not retried"


def test_dashboards_url_is_the_published_loopback_port():
    assert docker_stack.dashboards_url() == "http://127.0.0.1:5601"


class _Engine:
    def close(self) -> None:
        pass


@pytest.mark.parametrize("already_up", [False, True])
def test_up_imports_the_saved_objects_once_the_stack_is_healthy(isolated_settings, monkeypatch, already_up):
    calls: list[str] = []
    monkeypatch.setattr(docker_stack, "engine_client", lambda env: _Engine())
    monkeypatch.setattr(docker_stack, "status", lambda settings, client=None: {
        name: {"healthy": already_up} for name in docker_stack.services()})
    monkeypatch.setattr(docker_stack, "_check_compose", lambda env: calls.append("check"))
    monkeypatch.setattr(docker_stack, "_run", lambda command, env, progress: calls.append("compose up"))
    monkeypatch.setattr(docker_stack, "import_saved_objects", lambda: calls.append("import") or 6)
    lines: list[str] = []
    started = docker_stack.up(isolated_settings, lines.append, env={})
    assert started is (not already_up)
    assert calls == (["import"] if already_up else ["check", "compose up", "import"])
    assert f"/app/dashboards#/view/{docker_stack.DASHBOARD_ID}" in lines[-1]
