import zipfile
import io

import pytest

from sandbox.deploy.engine import DeployError, collect
from sandbox.deploy.resources import Function, Stream, build_zip, code_sha256


def test_zips_are_deterministic_so_unchanged_code_is_not_redeployed(tmp_path):
    (tmp_path / "handler.py").write_text("def lambda_handler(e, c):\n    return 1\n")
    first = build_zip([tmp_path / "handler.py"], tmp_path)
    second = build_zip([tmp_path / "handler.py"], tmp_path)
    assert code_sha256(first) == code_sha256(second)
    assert zipfile.ZipFile(io.BytesIO(first)).namelist() == ["handler.py"]
    (tmp_path / "handler.py").write_text("def lambda_handler(e, c):\n    return 2\n")
    assert code_sha256(build_zip([tmp_path / "handler.py"], tmp_path)) != code_sha256(first)


def test_collect_orders_dependencies_first_and_adds_the_execution_role():
    resources = collect()
    orders = [r.order for r in resources]
    assert orders == sorted(orders)
    if any(r.kind == "function" for r in resources):
        assert resources[0].kind == "role"


def test_conflicting_declarations_are_an_error(monkeypatch):
    import types, sys

    a = types.ModuleType("pipelines.zz_a.resources"); a.RESOURCES = [Stream("Dup", shards=1)]
    b = types.ModuleType("pipelines.zz_b.resources"); b.RESOURCES = [Stream("Dup", shards=2)]
    monkeypatch.setitem(sys.modules, "pipelines.zz_a.resources", a)
    monkeypatch.setitem(sys.modules, "pipelines.zz_b.resources", b)
    with pytest.raises(DeployError, match="declared twice"):
        collect(["zz_a", "zz_b"])


def test_function_zip_holds_the_pipeline_module():
    names = [n for n in __import__("sandbox.deploy.engine", fromlist=["x"]).pipeline_names()]
    for resource in collect(names):
        if isinstance(resource, Function):
            listing = zipfile.ZipFile(io.BytesIO(resource.zip_bytes())).namelist()
            assert listing == [f"{resource.module}.py"]


def test_an_index_template_as_opensearch_returns_it_equals_the_declared_one():
    from sandbox.deploy.resources import _comparable

    declared = {"index_patterns": ["w*"], "priority": 100,
                "template": {"settings": {"number_of_shards": 1, "number_of_replicas": 0},
                             "mappings": {"properties": {"host": {"type": "ip"}}}}}
    stored = {"index_patterns": ["w*"], "priority": 100,
              "template": {"settings": {"index": {"number_of_replicas": "0", "number_of_shards": "1"}},
                           "mappings": {"properties": {"host": {"type": "ip"}}}}}
    assert _comparable(stored) == _comparable(declared)
    stored["template"]["mappings"]["properties"]["host"]["type"] = "keyword"
    assert _comparable(stored) != _comparable(declared)
