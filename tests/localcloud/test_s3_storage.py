"""S3 object bodies in one file per stack (sandbox/localcloud/s3_storage.py): the same bytes and ETags
come back through the API, large bodies leave memory, moto's copies, ranges and multipart still work."""

from __future__ import annotations

import hashlib
import os

import pytest

from sandbox.aws import client
from sandbox.localcloud import s3_storage
from sandbox.localcloud.s3_storage import BodyStore, StoredBody


def _key(bucket: str, name: str):
    from moto.s3.models import s3_backends

    return s3_backends["000000000000"]["aws"].buckets[bucket].keys[name]


def test_bodies_round_trip_and_large_ones_leave_memory(localcloud):
    s3 = client("s3", localcloud.settings)
    s3.create_bucket(Bucket="zz-bodies")
    small, large = b"small body", os.urandom(300_000)
    s3.put_object(Bucket="zz-bodies", Key="small", Body=small)
    s3.put_object(Bucket="zz-bodies", Key="large", Body=large)
    assert s3.get_object(Bucket="zz-bodies", Key="large")["Body"].read() == large
    assert s3.get_object(Bucket="zz-bodies", Key="small")["Body"].read() == small
    assert s3.head_object(Bucket="zz-bodies", Key="large")["ETag"] == f'"{hashlib.md5(large).hexdigest()}"'
    assert s3.get_object(Bucket="zz-bodies", Key="large", Range="bytes=1000-1999")["Body"].read() == large[1000:2000]
    assert isinstance(_key("zz-bodies", "large")._value_buffer, StoredBody)
    assert not _key("zz-bodies", "large")._value_buffer.in_memory and _key("zz-bodies", "small")._value_buffer.in_memory
    assert (localcloud.settings.state_dir / "s3").is_dir()  # the store: an unnamed file in there

    s3.copy_object(Bucket="zz-bodies", Key="copy", CopySource={"Bucket": "zz-bodies", "Key": "large"})
    s3.put_object(Bucket="zz-bodies", Key="large", Body=b"replaced")
    assert s3.get_object(Bucket="zz-bodies", Key="copy")["Body"].read() == large
    assert s3.get_object(Bucket="zz-bodies", Key="large")["Body"].read() == b"replaced"


def test_multipart_uploads_assemble_from_stored_parts(localcloud):
    s3 = client("s3", localcloud.settings)
    s3.create_bucket(Bucket="zz-multipart")
    parts = [os.urandom(5 * 1024 * 1024), os.urandom(70_000)]
    upload = s3.create_multipart_upload(Bucket="zz-multipart", Key="big")["UploadId"]
    etags = [s3.upload_part(Bucket="zz-multipart", Key="big", UploadId=upload, PartNumber=n + 1, Body=part)["ETag"]
             for n, part in enumerate(parts)]
    s3.complete_multipart_upload(Bucket="zz-multipart", Key="big", UploadId=upload, MultipartUpload={
        "Parts": [{"ETag": etag, "PartNumber": n + 1} for n, etag in enumerate(etags)]})
    assert s3.get_object(Bucket="zz-multipart", Key="big")["Body"].read() == b"".join(parts)


def test_a_stored_body_behaves_as_the_file_moto_reads(tmp_path):
    store = BodyStore(tmp_path)
    body = StoredBody(store)
    data = bytes(range(256)) * 100
    body.seek(0)
    body.truncate()
    assert body.write(data) == len(data) and not body.in_memory
    body.seek(0)
    chunks = [body.read(1000) for _ in range(27)]
    assert b"".join(chunks) == data and chunks[-1] == b""
    assert body.seek(-10, 2) == len(data) - 10 and body.read() == data[-10:]
    body.seek(5)
    body.write(b"XY")  # a write inside a stored body: on a copy in memory
    body.seek(0)
    assert body.read() == data[:5] + b"XY" + data[7:] and body.in_memory
    body.close()
    with pytest.raises(ValueError):
        body.read()  # moto reads a disposed key's buffer as closed


def test_small_bodies_stay_in_memory(tmp_path):
    body = StoredBody(BodyStore(tmp_path))
    body.write(b"x" * s3_storage.IN_MEMORY_BYTES)
    assert body.in_memory and not list(tmp_path.iterdir())  # no file until a body needs it
