"""Benchmark the Lambda executor's hot path with a no-op handler (prints numbers; not a timed test).

- internal invoke: ``runtime.invoke`` as the Kinesis event source mapping calls it (target p50 <= 5 ms)
- Invoke API: boto3 ``invoke`` round trip to localcloud, warm (target p50 <= 15 ms)

Run: ``.venv/bin/python tests/bench/bench_lambda.py [--calls 500]``
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
import zipfile
from dataclasses import replace
from pathlib import Path

from sandbox.aws import client
from sandbox.localcloud.awslambda.extension import LambdaExtension
from sandbox.localcloud.server import LocalCloud
from sandbox.settings import Ports, load
from tests.conftest import free_port

INTERNAL_GOAL_MS = 5.0  # issue 3: mapping-internal invoke overhead p50
API_GOAL_MS = 15.0  # issue 3: Invoke API round trip p50, warm


def _percentiles(samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return (
        f"p50 {statistics.median(ordered):6.2f} ms  p90 {pick(0.90):6.2f} ms  "
        f"p99 {pick(0.99):6.2f} ms  max {ordered[-1]:6.2f} ms  (n={len(ordered)})"
    )


def _verdict(what: str, p50_ms: float, goal_ms: float) -> str:
    met = "met" if p50_ms <= goal_ms else "NOT met"
    return f"  {what} {p50_ms:.2f} ms vs goal <= {goal_ms:.0f} ms: {met} ({p50_ms / goal_ms:.0%} of the budget)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=500)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as state:
        base = load({"CADABRA_STATE_DIR": str(Path(state) / "state")})
        ports = Ports(aws=free_port(), opensearch=free_port(), postgres=free_port(), console=free_port())
        settings = replace(base, ports=ports)
        cloud = LocalCloud(settings, extensions=(LambdaExtension,)).start()
        try:
            iam, lam = client("iam", settings), client("lambda", settings)
            role = iam.create_role(RoleName="bench-lambda-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
            code = io.BytesIO()
            with zipfile.ZipFile(code, "w") as archive:
                archive.writestr("noop.py", "def handler(event, context):\n    return {'ok': True}\n")
            lam.create_function(
                FunctionName="bench-noop",
                Runtime="python3.11",
                Role=role,
                Handler="noop.handler",
                Code={"ZipFile": code.getvalue()},
            )

            started = time.perf_counter()
            cloud.runtime.invoke("bench-noop", b"{}")
            print(f"cold start (spawn + init + first invoke): {(time.perf_counter() - started) * 1000:.1f} ms")

            payload = b'{"Records": [{"kinesis": {"data": "eyJvcmRlciI6IDF9"}}]}'
            internal: list[float] = []
            for _ in range(args.calls):
                started = time.perf_counter()
                result = cloud.runtime.invoke("bench-noop", payload)
                internal.append((time.perf_counter() - started) * 1000)
                assert result.ok, result.payload
            print(f"internal invoke (runtime.invoke):  {_percentiles(internal)}")
            print(_verdict("internal invoke p50", statistics.median(internal), INTERNAL_GOAL_MS))

            api: list[float] = []
            for _ in range(min(50, args.calls)):  # warm the HTTP connection pool
                lam.invoke(FunctionName="bench-noop", Payload=payload)
            for _ in range(args.calls):
                started = time.perf_counter()
                response = lam.invoke(FunctionName="bench-noop", Payload=payload)
                response["Payload"].read()
                api.append((time.perf_counter() - started) * 1000)
            print(f"Invoke API round trip (boto3):     {_percentiles(api)}")
            print(_verdict("Invoke API p50", statistics.median(api), API_GOAL_MS))
            print(cloud.runtime.extensions["lambda"].describe())
        finally:
            cloud.stop()


if __name__ == "__main__":
    main()
