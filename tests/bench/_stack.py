"""A private embedded stack for benchmarks: free ports, its own state dir, stopped afterwards.

    with private_stack() as settings:
        ...  # boto3 via sandbox.aws.client(service, settings); the stack is deployed
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Iterator

from sandbox.settings import Settings, load
from tests.conftest import free_port


def stack_env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CADABRA_")}
    env.update(CADABRA_STATE_DIR=str(root / "state"), CADABRA_STACK="embedded",
               CADABRA_AWS_PORT=str(free_port()), CADABRA_OPENSEARCH_PORT=str(free_port()),
               CADABRA_POSTGRES_PORT=str(free_port()), CADABRA_CONSOLE_PORT=str(free_port()))
    return env


def cadabra(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "sandbox.cli", *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"cadabra {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


@contextlib.contextmanager
def private_stack(deploy: bool = True, **extra_env: str) -> Iterator[Settings]:
    root = Path(tempfile.mkdtemp(prefix="cadabra-bench-"))
    root.chmod(0o755)  # as root, PostgreSQL runs as `postgres`, who must reach the state dir
    env = {**stack_env(root), **extra_env}
    try:
        cadabra(env, "up", "--deploy" if deploy else "--no-deploy")
        yield load(env)
    finally:
        subprocess.run([sys.executable, "-m", "sandbox.cli", "down"], env=env, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


__all__ = ["private_stack", "stack_env", "cadabra", "replace"]
