"""`format("kinesis")` in Spark against the in-process localcloud: batch read, writer, and a streaming
query restarted from its checkpoint with an uncommitted batch (nothing missed, nothing twice)."""

from __future__ import annotations

import json
import shutil

from sandbox.aws import client
from sandbox.waiting import wait_until
from tests.spark.kinesis_helpers import new_stream, put


def _options(cloud, stream: str) -> dict[str, str]:
    settings = cloud.settings
    return {"streamName": stream, "endpointUrl": settings.aws_endpoint, "region": settings.region,
            "awsAccessKeyId": "test", "awsSecretAccessKey": "test", "getRecordsPerSecond": "5"}


def test_batch_read_and_write_by_name(spark, cloud):
    kinesis = client("kinesis", cloud.settings)
    stream = new_stream(kinesis, shards=2)
    sent = put(kinesis, stream, 0, 25)
    frame = spark.read.format("kinesis").options(**_options(cloud, stream)).load()
    assert sorted(r["data"].decode() for r in frame.collect()) == sorted(sent)
    assert frame.schema.simpleString().startswith("struct<stream:string,shard_id:string,sequence_number:string")

    target = new_stream(kinesis, shards=1)
    rows = spark.createDataFrame([(f"row {i}", f"key{i}") for i in range(700)], "data string, partition_key string")
    rows.write.format("kinesis").options(**_options(cloud, target)).mode("append").save()
    back = spark.read.format("kinesis").options(**_options(cloud, target)).load()
    assert sorted(r["data"].decode() for r in back.collect()) == sorted(f"row {i}" for i in range(700))


def _run(spark, cloud, stream: str, checkpoint: str, sink: list, until: int):
    def collect(frame, batch_id):
        sink.extend((batch_id, r["shard_id"], r["sequence_number"], r["data"].decode()) for r in frame.collect())

    query = (spark.readStream.format("kinesis").options(**_options(cloud, stream)).load()
             .writeStream.foreachBatch(collect).option("checkpointLocation", checkpoint)
             .trigger(processingTime="100 milliseconds").start())
    try:
        wait_until(lambda: len({row[3] for row in sink}) >= until, timeout=60, interval=0.1,
                   message=f"{until} records through the query")
    finally:
        query.stop()


def test_a_restarted_query_rereads_its_uncommitted_batch_exactly(spark, cloud, tmp_path):
    kinesis = client("kinesis", cloud.settings)
    stream = new_stream(kinesis, shards=2)
    checkpoint = str(tmp_path / "checkpoint")
    first: list = []
    put(kinesis, stream, 0, 20)
    _run(spark, cloud, stream, checkpoint, first, until=20)
    last_batch = max(b for b, *_ in first)
    # as if the process died after the batch's offsets were logged but before it was committed (a stop
    # right after the batch's rows arrived may already have left it uncommitted)
    (tmp_path / "checkpoint" / "commits" / str(last_batch)).unlink(missing_ok=True)
    (tmp_path / "checkpoint" / "commits" / f".{last_batch}.crc").unlink(missing_ok=True)
    offsets = json.loads((tmp_path / "checkpoint" / "offsets" / str(last_batch)).read_text().splitlines()[-1])
    assert set(offsets["shards"]) == {"shardId-000000000000", "shardId-000000000001"}
    put(kinesis, stream, 20, 15)
    second: list = []
    _run(spark, cloud, stream, checkpoint, second, until=15 + len([r for r in first if r[0] == last_batch]))
    replayed = sorted(r[1:] for r in second if r[0] == last_batch)
    assert replayed == sorted(r[1:] for r in first if r[0] == last_batch)  # the same records again
    later = [r[3] for r in second if r[0] > last_batch]
    assert sorted(later) == sorted(str(i) for i in range(20, 35))  # then only the new ones, once each
    shutil.rmtree(checkpoint)
