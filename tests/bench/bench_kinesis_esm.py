"""Benchmark: Kinesis -> event source mapping -> no-op Lambda (real executor), records per second.

Prints, from one run on one in-process localcloud (free port, private state dir):
  raw      PutRecords alone (boto3, 500 records per call) into a stream without a mapping
  drain    a mapping (BatchSize 100) reading a stream preloaded with the same number of records
  e2e      producer and mapping at once: first PutRecords to the last record delivered
and the ratios to the raw rate. Goal: drain and e2e >= 5,000 records/s.

Run: .venv/bin/python -m tests.bench.bench_kinesis_esm [--records 20000] [--shards 2]
"""

from __future__ import annotations

import argparse
import io
import logging
import socket
import tempfile
import time
import uuid
import zipfile
from dataclasses import replace

from sandbox.aws import client
from sandbox.localcloud.server import LocalCloud
from sandbox.settings import Ports, load
from sandbox.waiting import wait_until

NOOP = "def handler(event, context):\n    return None\n"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("noop.py", NOOP)
    return buf.getvalue()


def _put(kinesis, stream: str, total: int) -> float:
    """PutRecords `total` records of ~100 bytes, 500 per call; returns the seconds it took."""
    payload = b"x" * 100
    started = time.perf_counter()
    for start in range(0, total, 500):
        records = [{"Data": payload, "PartitionKey": f"k{i}"} for i in range(start, min(total, start + 500))]
        kinesis.put_records(StreamName=stream, Records=records)
    return time.perf_counter() - started


def _delivered(extension, mapping: str, field: str = "records") -> int:
    return sum(s[field] for r in extension.describe() if r["uuid"] == mapping for s in r["shards"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--shards", type=int, default=2)
    args = parser.parse_args()
    total, shards = args.records, args.shards
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request would cost CPU here

    with tempfile.TemporaryDirectory() as state:
        base = load({"CADABRA_STATE_DIR": state})
        ports = Ports(aws=_free_port(), opensearch=_free_port(), postgres=_free_port(), console=_free_port())
        settings = replace(base, ports=ports)
        with LocalCloud(settings) as cloud:
            extension = cloud.runtime.extensions["esm"]
            lam, kinesis, iam = client("lambda", settings), client("kinesis", settings), client("iam", settings)
            role = iam.create_role(RoleName=f"bench-{uuid.uuid4().hex[:6]}", AssumeRolePolicyDocument="{}")
            function = f"bench-noop-{uuid.uuid4().hex[:6]}"
            lam.create_function(
                FunctionName=function,
                Runtime="python3.11",
                Role=role["Role"]["Arn"],
                Handler="noop.handler",
                Code={"ZipFile": _zip()},
            )
            lam.invoke(FunctionName=function, Payload=b"{}")  # warm the worker

            def stream() -> tuple[str, str]:
                name = f"bench-{uuid.uuid4().hex[:6]}"
                kinesis.create_stream(StreamName=name, ShardCount=shards)
                return name, kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]

            raw_name, _ = stream()
            raw_s = _put(kinesis, raw_name, total)

            drain_name, drain_arn = stream()
            _put(kinesis, drain_name, total)
            started = time.perf_counter()
            mapping = lam.create_event_source_mapping(
                FunctionName=function, EventSourceArn=drain_arn, StartingPosition="TRIM_HORIZON", BatchSize=100
            )["UUID"]
            wait_until(lambda: _delivered(extension, mapping) >= total, timeout=300, interval=0.01, message="drain")
            drain_s = time.perf_counter() - started
            drain_batches = _delivered(extension, mapping, "batches")
            lam.delete_event_source_mapping(UUID=mapping)

            e2e_name, e2e_arn = stream()
            mapping = lam.create_event_source_mapping(
                FunctionName=function, EventSourceArn=e2e_arn, StartingPosition="LATEST", BatchSize=100
            )["UUID"]
            wait_until(lambda: lam.get_event_source_mapping(UUID=mapping)["State"] == "Enabled", timeout=5)
            started = time.perf_counter()
            producer_s = _put(kinesis, e2e_name, total)
            wait_until(lambda: _delivered(extension, mapping) >= total, timeout=300, interval=0.01, message="e2e")
            e2e_s = time.perf_counter() - started
            e2e_batches = _delivered(extension, mapping, "batches")
            lam.delete_event_source_mapping(UUID=mapping)

    raw, drain, e2e = total / raw_s, total / drain_s, total / e2e_s
    lag_ms = 1000 * (e2e_s - producer_s)
    print(f"records={total} shards={shards} batch_size=100 (no-op Lambda through the real executor)")
    print(f"raw PutRecords           {raw:9.0f} records/s")
    print(f"ESM drain (preloaded)    {drain:9.0f} records/s  ratio to raw {drain / raw:5.2f}"
          f"  ({total / drain_batches:.0f} records per invoke)")
    print(f"ESM end to end (live)    {e2e:9.0f} records/s  ratio to raw {e2e / raw:5.2f}"
          f"  ({total / e2e_batches:.0f} records per invoke; producer in that phase {total / producer_s:.0f}"
          f" records/s; last record delivered {lag_ms:.0f} ms after the last put)")
    verdict = {True: "met", False: "NOT met"}
    print(f"goal >= 5000 records/s: drain {verdict[drain >= 5000]}, end to end {verdict[e2e >= 5000]}"
          " (end to end cannot exceed the producer, i.e. moto's PutRecords)")


if __name__ == "__main__":
    main()
