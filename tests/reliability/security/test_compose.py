"""The compose stack publishes its ports on 127.0.0.1 only (read statically from docker-compose.yml)."""

from __future__ import annotations

import yaml

from sandbox.settings import PROJECT_ROOT


def _services() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())["services"]


def test_every_published_port_is_bound_to_loopback():
    published = 0
    for name, service in _services().items():
        assert service.get("network_mode") != "host", f"{name} uses the host network: its ports bypass the binding"
        for entry in service.get("ports", []):
            if isinstance(entry, dict):  # long syntax
                assert entry.get("host_ip") == "127.0.0.1", f"{name}: {entry} is not bound to 127.0.0.1"
            else:
                assert str(entry).startswith("127.0.0.1:"), f"{name}: {entry!r} is not bound to 127.0.0.1"
            published += 1
    assert published >= 4  # aws, opensearch, postgres, console
