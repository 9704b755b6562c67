"""The ListObjectsV2 fast path lists what moto's own path lists: keys, order, pages, tokens, deletions."""

from __future__ import annotations

from sandbox import aws


def _pages(s3, bucket: str, **extra) -> list[list[str]]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, PaginationConfig={"PageSize": 3}, **extra)
    return [[o["Key"] for o in page.get("Contents", [])] + [p["Prefix"] for p in page.get("CommonPrefixes", [])]
            for page in pages]


def test_listing_pages_match_moto(localcloud):
    s3 = aws.client("s3", localcloud.settings)
    s3.create_bucket(Bucket="listing")
    s3.put_bucket_versioning(Bucket="listing", VersioningConfiguration={"Status": "Enabled"})
    names = [f"orders/year=2011/month={m:02d}/part-{i}.gz" for m in (12, 1, 3) for i in (2, 10, 1)] + ["es/x.json", "top.txt"]
    for name in names:
        s3.put_object(Bucket="listing", Key=name, Body=b"x")
    s3.put_object(Bucket="listing", Key=names[0], Body=b"second version")  # listed once, latest size
    s3.delete_object(Bucket="listing", Key="orders/year=2011/month=03/part-1.gz")  # a delete marker: not listed
    listed = _pages(s3, "listing", Prefix="orders/")
    expected = sorted(n for n in names if n.startswith("orders/") and n != "orders/year=2011/month=03/part-1.gz")
    assert [key for page in listed for key in page] == expected
    assert [len(page) for page in listed] == [3, 3, 2]
    assert _pages(s3, "listing", StartAfter="orders/year=2011/month=12/part-10.gz", Prefix="orders/") == [
        ["orders/year=2011/month=12/part-2.gz"]]
    sizes = {o["Key"]: o["Size"] for o in s3.list_objects_v2(Bucket="listing")["Contents"]}
    assert sizes[names[0]] == len(b"second version") and set(sizes) == set(expected) | {"es/x.json", "top.txt"}
    # with a delimiter moto's own path answers (folders rolled up)
    assert [k for page in _pages(s3, "listing", Delimiter="/") for k in page] == ["top.txt", "es/", "orders/"]
    from sandbox.localcloud.moto_fastpaths import S3_LIST_V2

    assert hasattr(S3_LIST_V2.current(), "__wrapped__"), "the fast path answered, not moto's own"
