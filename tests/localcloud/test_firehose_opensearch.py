"""Firehose to OpenSearch (osmem started here): rotated indices, S3 backup of failed documents, retries."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest
from osmem_server import OsmemServer

from sandbox.aws import client
from sandbox.localcloud.firehose.extension import FirehoseDelivery
from sandbox.localcloud.server import LocalCloud
from sandbox.waiting import wait_until
from tests.conftest import free_port
from tests.localcloud.test_firehose_s3 import ROLE, Streams, body, objects, unique


@pytest.fixture(scope="module")
def search() -> Iterator[OsmemServer]:
    server = OsmemServer.start(addr=f"127.0.0.1:{free_port()}", japanese=False)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def cloud(isolated_settings, search) -> Iterator[LocalCloud]:
    port = int(search.url.rsplit(":", 1)[1])
    settings = replace(isolated_settings, ports=replace(isolated_settings.ports, opensearch=port))
    started = LocalCloud(settings, extensions=(FirehoseDelivery,)).start()
    streams = Streams(settings)
    started.streams = streams  # type: ignore[attr-defined]
    try:
        yield started
    finally:
        streams.cleanup()
        started.stop()


def _search_config(bucket: str, **extra: Any) -> dict[str, Any]:
    return {
        "RoleARN": ROLE,
        "IndexName": extra.pop("IndexName", unique("idx")),
        "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 0},
        "RetryOptions": {"DurationInSeconds": 0},
        "S3Configuration": {"RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket}", "Prefix": "lc-fh-backup/"},
        **extra,
    }


def _hits(search: OsmemServer, index: str) -> list[dict[str, Any]]:
    try:
        search.request("POST", f"/{index}/_refresh")
        return search.request("GET", f"/{index}/_search?size=100")["hits"]["hits"]
    except Exception:
        return []


def _failed(settings: Any, bucket: str, prefix: str) -> list[dict[str, Any]]:
    return [
        json.loads(line) for o in objects(settings, bucket, prefix) for line in body(settings, bucket, o["Key"]).splitlines()
    ]


def test_opensearch_destination_rotates_indices_and_backs_up_failed_documents(cloud, search):
    settings = cloud.settings
    bucket = unique("bucket")
    client("s3", settings).create_bucket(Bucket=bucket)
    index = unique("weblogs")
    name = cloud.streams.create(
        AmazonopensearchserviceDestinationConfiguration=_search_config(
            bucket,
            DomainARN="arn:aws:es:us-east-1:000000000000:domain/lc-fh-domain",
            IndexName=index,
            IndexRotationPeriod="OneDay",
            S3BackupMode="FailedDocumentsOnly",
        )
    )
    described = client("firehose", settings).describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    assert described["DeliveryStreamStatus"] == "ACTIVE"
    destination = described["Destinations"][0]["AmazonopensearchserviceDestinationDescription"]
    assert destination["IndexName"] == index and destination["IndexRotationPeriod"] == "OneDay"
    assert destination["S3DestinationDescription"]["BucketARN"] == f"arn:aws:s3:::{bucket}"

    before = datetime.now(timezone.utc)
    docs = [{"host": "10.0.0.1", "status": 200}, {"host": "10.0.0.2", "status": 404}, {"host": "10.0.0.3", "status": 500}]
    records = [{"Data": json.dumps(d).encode()} for d in docs] + [{"Data": b"not json at all"}]
    client("firehose", settings).put_record_batch(DeliveryStreamName=name, Records=records)
    rotated = {f"{index}-{t:%Y-%m-%d}" for t in (before, datetime.now(timezone.utc) + timedelta(seconds=5))}

    hits = wait_until(lambda: [h for i in rotated for h in _hits(search, i)], timeout=10, message="indexed documents")
    assert len(hits) == 3 and {h["_index"] for h in hits} <= rotated
    assert sorted(h["_source"]["host"] for h in hits) == ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
    failed = wait_until(
        lambda: _failed(settings, bucket, "lc-fh-backup/AmazonOpenSearchService-failed/"),
        timeout=10,
        message="the failed document in the S3 backup",
    )
    assert len(failed) == 1
    assert base64.b64decode(failed[0]["rawData"]) == b"not json at all"
    assert failed[0]["esIndexName"] in rotated and failed[0]["errorCode"] == "400"
    assert not [o for o in objects(settings, bucket) if "failed" not in o["Key"]]  # FailedDocumentsOnly
    rows = {r["name"]: r for r in cloud.runtime.extensions["firehose"].describe()}
    assert rows[name]["destination"] == "AmazonOpenSearchService"
    assert (rows[name]["delivered_records"], rows[name]["failed_records"]) == (3, 1)


def test_elasticsearch_all_documents_backup_without_rotation(cloud, search):
    settings = cloud.settings
    bucket = unique("bucket")
    client("s3", settings).create_bucket(Bucket=bucket)
    index = unique("plain")
    name = cloud.streams.create(
        ElasticsearchDestinationConfiguration=_search_config(
            bucket, ClusterEndpoint=search.url, IndexName=index, IndexRotationPeriod="NoRotation", S3BackupMode="AllDocuments"
        )
    )
    client("firehose", settings).put_record_batch(
        DeliveryStreamName=name, Records=[{"Data": b'{"n": 1}'}, {"Data": b'{"n": 2}'}]
    )
    hits = wait_until(lambda: _hits(search, index), timeout=10, message="documents in the unrotated index")
    assert sorted(h["_source"]["n"] for h in hits) == [1, 2]
    backup = wait_until(lambda: objects(settings, bucket, "lc-fh-backup/"), timeout=10, message="the backup object")
    assert body(settings, bucket, backup[0]["Key"]) == b'{"n": 1}{"n": 2}'


def test_unreachable_cluster_retries_then_backs_up(cloud):
    settings = cloud.settings
    bucket = unique("bucket")
    client("s3", settings).create_bucket(Bucket=bucket)
    name = cloud.streams.create(
        ElasticsearchDestinationConfiguration=_search_config(
            bucket, ClusterEndpoint=f"http://127.0.0.1:{free_port()}", RetryOptions={"DurationInSeconds": 1}
        )
    )
    client("firehose", settings).put_record(DeliveryStreamName=name, Record={"Data": b'{"lost": false}'})
    failed = wait_until(
        lambda: _failed(settings, bucket, "lc-fh-backup/elasticsearch-failed/"), timeout=10, message="backed-up document"
    )
    assert base64.b64decode(failed[0]["rawData"]) == b'{"lost": false}'
    assert failed[0]["attemptsMade"] >= 2 and failed[0]["errorCode"] == "OS.ConnectionFailed"


def test_update_destination_changes_the_index(cloud, search):
    settings = cloud.settings
    bucket = unique("bucket")
    client("s3", settings).create_bucket(Bucket=bucket)
    firehose = client("firehose", settings)
    name = cloud.streams.create(
        AmazonopensearchserviceDestinationConfiguration=_search_config(
            bucket, ClusterEndpoint=search.url, IndexRotationPeriod="NoRotation"
        )
    )
    described = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    renamed = unique("renamed")
    firehose.update_destination(
        DeliveryStreamName=name,
        CurrentDeliveryStreamVersionId=described["VersionId"],
        DestinationId=described["Destinations"][0]["DestinationId"],
        AmazonopensearchserviceDestinationUpdate={"IndexName": renamed, "S3Update": {"Prefix": "lc-fh-new/"}},
    )
    after = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    destination = after["Destinations"][0]["AmazonopensearchserviceDestinationDescription"]
    assert after["VersionId"] == "2" and destination["IndexName"] == renamed
    assert destination["S3DestinationDescription"]["Prefix"] == "lc-fh-new/"

    firehose.put_record(DeliveryStreamName=name, Record={"Data": b'{"after": "update"}'})
    hits = wait_until(lambda: _hits(search, renamed), timeout=10, message="a document in the renamed index")
    assert hits[0]["_source"] == {"after": "update"}
