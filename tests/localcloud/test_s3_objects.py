"""The in-process S3 reader (shared/s3_objects.py) answers what ListObjectsV2 and GetObject answer, and
falls back to the API wherever moto's server would answer anything but the plain case."""

from __future__ import annotations

from dataclasses import replace

import pytest
from botocore.exceptions import ClientError

from sandbox import aws
from sandbox.localcloud.server import LocalCloud
from sandbox.localcloud.shared.catalog_tables import TableNotFound, get_table
from sandbox.localcloud.shared.s3_objects import ApiObjects, InProcessObjects, ObjectEntry


class NoHttp:
    """An S3 client that must not be called: the in-process path answered alone."""

    def __getattr__(self, name: str):
        raise AssertionError(f"the S3 API was called ({name}) where the in-process reader should answer")


def _api_listing(s3, bucket: str, prefix: str) -> list[ObjectEntry]:
    return ApiObjects(s3).list(bucket, prefix)


def test_runtime_reads_in_process_on_the_embedded_stack(localcloud):
    objects = localcloud.runtime.objects(localcloud.settings.region)
    assert isinstance(objects, InProcessObjects) and objects.account_id == localcloud.settings.account_id


def test_listing_and_bytes_match_the_api(localcloud):
    s3 = aws.client("s3", localcloud.settings)
    s3.create_bucket(Bucket="lake")
    names = [f"orders/year=2011/month={m:02d}/part-{i:04d}.gz" for m in (12, 1) for i in range(600)] + ["es/x.json", "_SUCCESS"]
    for name in names:
        s3.put_object(Bucket="lake", Key=name, Body=f"body of {name}".encode() * 3)
    s3.put_object(Bucket="lake", Key="orders/empty", Body=b"")
    objects = InProcessObjects(NoHttp(), localcloud.settings.account_id)
    for prefix in ("", "orders/", "orders/year=2011/month=01/", "nothing/"):
        assert objects.list("lake", prefix) == _api_listing(s3, "lake", prefix)  # 1,200+ keys: several API pages
    for name in (names[0], names[-3], "orders/empty"):
        got = s3.get_object(Bucket="lake", Key=name)
        assert objects.read("lake", name) == got["Body"].read()


def test_versions_and_deletions_as_get_object_sees_them(localcloud):
    s3 = aws.client("s3", localcloud.settings)
    s3.create_bucket(Bucket="versioned")
    s3.put_bucket_versioning(Bucket="versioned", VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket="versioned", Key="k", Body=b"first")
    s3.put_object(Bucket="versioned", Key="k", Body=b"second, longer")
    s3.put_object(Bucket="versioned", Key="gone", Body=b"deleted below")
    s3.delete_object(Bucket="versioned", Key="gone")  # a delete marker is the latest version
    objects = InProcessObjects(s3, localcloud.settings.account_id)
    assert objects.read("versioned", "k") == b"second, longer"
    assert objects.list("versioned", "") == _api_listing(s3, "versioned", "")
    assert [o.key for o in objects.list("versioned", "")] == ["k"]
    with pytest.raises(ClientError) as deleted:  # the API's own answer: NoSuchKey
        objects.read("versioned", "gone")
    assert deleted.value.response["Error"]["Code"] == "NoSuchKey"
    with pytest.raises(ClientError) as missing:
        objects.read("versioned", "never-written")
    assert missing.value.response["Error"]["Code"] == "NoSuchKey"
    with pytest.raises(ClientError) as no_bucket:
        objects.read("no-such-bucket", "k")
    assert no_bucket.value.response["Error"]["Code"] == "NoSuchBucket"


def test_archived_objects_are_refused_as_get_object_refuses_them(localcloud):
    s3 = aws.client("s3", localcloud.settings)
    s3.create_bucket(Bucket="cold")
    s3.put_object(Bucket="cold", Key="archived", Body=b"x", StorageClass="GLACIER")
    objects = InProcessObjects(s3, localcloud.settings.account_id)
    assert [o.key for o in objects.list("cold", "")] == ["archived"]  # listed, as ListObjectsV2 lists it
    with pytest.raises(ClientError) as refused:
        objects.read("cold", "archived")
    assert refused.value.response["Error"]["Code"] == "InvalidObjectState"


def test_another_processes_s3_is_read_through_the_api(isolated_settings):
    """Serving extensions beside another S3 (the Docker stack's `sandbox` service beside LocalStack):
    every listing and read goes through the API."""
    from moto.moto_api._internal.models import moto_api_backend

    from tests.conftest import free_port

    moto_api_backend.reset()
    services_port = free_port()
    cloud = LocalCloud(isolated_settings, bind=("127.0.0.1", services_port)).start()
    try:
        assert cloud.runtime.serves_s3 is False
        objects = cloud.runtime.objects(isolated_settings.region)
        assert type(objects) is ApiObjects
        # the reader's client talks to the settings' S3 endpoint; here that is this moto on another
        # port, which stands in for LocalStack: the reader answers through it
        s3 = aws.client("s3", replace(isolated_settings, ports=replace(isolated_settings.ports, aws=services_port)))
        s3.create_bucket(Bucket="elsewhere")
        s3.put_object(Bucket="elsewhere", Key="a/b", Body=b"over http")
        through_api = ApiObjects(s3)
        assert through_api.read("elsewhere", "a/b") == b"over http"
        assert [o.key for o in through_api.list("elsewhere", "a/")] == ["a/b"]
    finally:
        cloud.stop()
        moto_api_backend.reset()


def test_partitions_read_in_process_match_get_partitions(localcloud):
    glue = aws.client("glue", localcloud.settings)
    glue.create_database(DatabaseInput={"Name": "db"})
    columns = [{"Name": "a", "Type": "string"}]
    glue.create_table(DatabaseName="db", TableInput={
        "Name": "t", "PartitionKeys": [{"Name": "year", "Type": "string"}, {"Name": "month", "Type": "string"}],
        "StorageDescriptor": {"Columns": columns, "Location": "s3://lake/t/",
                              "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"}}})
    values = [("2011", f"{m:02d}") for m in (12, 1, 5)] + [("2010", "12")]
    glue.batch_create_partition(DatabaseName="db", TableName="t", PartitionInputList=[
        {"Values": list(v), "StorageDescriptor": {"Columns": columns, "Location": f"s3://lake/t/year={v[0]}/month={v[1]}"}}
        for v in values])
    through_api = get_table(glue, "db", "t")
    in_process = get_table(glue, "db", "t", in_process_account=localcloud.settings.account_id)
    assert in_process == through_api
    assert [p.values for p in in_process.partitions] == values
    with pytest.raises(TableNotFound):
        get_table(glue, "db", "missing", in_process_account=localcloud.settings.account_id)
