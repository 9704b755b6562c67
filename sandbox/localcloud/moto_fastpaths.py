"""moto's per-request and producer paths that cost more than they need to, made cheap.

Hooks into moto (installed through the seam by `LocalCloud.start()` before the server answers,
undone at stop): pure performance, no behaviour a client can see changes.

1. `moto.sqs.models.SQSBackend.send_message` is wrapped so that, while (and only while) a send runs
   on the calling thread, the three `Queue.approximate_number_of_messages*` properties answer 0.
   moto's send reads `queue.attributes.get("ContentBasedDeduplication")`, and `Queue.attributes`
   computes every attribute, these counts too, each a pass over all queued messages: a
   dead-letter queue (an OnFailure destination, the order pipeline's DLQ with 135,080 guest lines)
   filled quadratically. SendMessage's answer carries no queue attributes and the send path reads
   only ContentBasedDeduplication, so nothing a client sees changes; GetQueueAttributes still counts
   (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html).
2. `moto.moto_server.werkzeug_app.DomainDispatcherApplication.get_backend_for_host` is memoised per
   host. moto resolves the backend of every request under one lock by listing its own package
   folder (an `isdir` per service, ~180) and matching hundreds of URL patterns; the answer for a
   host never changes while the server runs. Misses (unknown hosts) are not cached.
3. `moto.s3.models.S3Backend.list_objects_v2` without a delimiter (what a crawler, an Athena scan
   or COPY lists): moto builds, sorts and scans every key object of the bucket for every page of
   1,000 (a 23,260-object lake: ~0.3-1 s per page, 24 pages); here the key names alone are
   filtered and sorted (C string comparisons) and only the page's keys are resolved. Same keys,
   order, truncation and continuation tokens (moto's own `_truncate_result` makes them); with a
   delimiter, moto's path runs
   (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html).
Kinesis's PutRecord paths (numbering under a lock, the last number read in O(1)) are in
`moto_answers.py`, which owns a shard's sequence numbers.
"""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable

from sandbox.localcloud import moto_seam as seam

SQS_SEND = seam.target(
    "moto.sqs.models:SQSBackend",
    "send_message",
    "(self, queue_name, message_body, message_attributes=None, delay_seconds=None, deduplication_id=None, "
    "group_id=None, system_attributes=None, validate_group_id=True)",
)
SQS_COUNTS = tuple(
    seam.target("moto.sqs.models:Queue", name, "(self)")
    for name in (
        "approximate_number_of_messages",
        "approximate_number_of_messages_delayed",
        "approximate_number_of_messages_not_visible",
    )
)
BACKEND_FOR_HOST = seam.target(
    "moto.moto_server.werkzeug_app:DomainDispatcherApplication", "get_backend_for_host", "(self, host)"
)
S3_LIST_V2 = seam.target(
    "moto.s3.models:S3Backend", "list_objects_v2",
    "(self, bucket, prefix, delimiter, continuation_token, start_after, max_keys)",
)
TARGETS = (SQS_SEND, *SQS_COUNTS, BACKEND_FOR_HOST, S3_LIST_V2)

_sending = threading.local()


def install(patches: seam.Patches) -> None:
    """Install the fast paths into `patches` (undone with them)."""
    patches.replace(BACKEND_FOR_HOST, _memoised)
    patches.replace(SQS_SEND, _counting_sends)
    for count in SQS_COUNTS:
        patches.replace(count, lambda original: property(_count_outside_send(original.fget)))
    patches.replace(S3_LIST_V2, _listing_by_name)


def _listing_by_name(list_v2: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(list_v2)
    def list_objects_v2(self: Any, bucket: Any, prefix: str | None, delimiter: str | None,
                        continuation_token: str | None, start_after: str | None, max_keys: int) -> Any:
        store = getattr(bucket, "keys", None)
        # a plain bucket (not an S3 Tables bucket, which moto refuses) and no folder roll-up
        if delimiter or type(bucket).__name__ != "FakeBucket" or not isinstance(store, dict):
            return list_v2(self, bucket, prefix, delimiter, continuation_token, start_after, max_keys)
        after = self._pagination_tokens.get(continuation_token) if continuation_token else start_after
        prefix = prefix or ""
        names = sorted(n for n in dict.keys(store) if n.startswith(prefix) and (not after or n > after))
        page = []
        for name in names:
            key = store[name]  # the latest version
            if type(key).__name__ == "FakeDeleteMarker":  # a deleted key is not listed
                continue
            page.append(key)
            if len(page) > max_keys:
                break
        return self._truncate_result(page, max_keys)

    return list_objects_v2


def _counting_sends(send: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(send)
    def send_message(self: Any, *args: Any, **kwargs: Any) -> Any:
        _sending.depth = getattr(_sending, "depth", 0) + 1
        try:
            return send(self, *args, **kwargs)
        finally:
            _sending.depth -= 1

    return send_message


def _memoised(resolve: Callable[[Any, str | None], Any]) -> Callable[[Any, str | None], Any]:
    known: dict[str, Any] = {}

    @functools.wraps(resolve)
    def get_backend_for_host(self: Any, host: str | None) -> Any:
        if host is not None and host in known:
            return known[host]
        backend = resolve(self, host)
        if host is not None and backend is not None:
            known[host] = backend
        return backend

    return get_backend_for_host


def _count_outside_send(count: Callable[[Any], int]) -> Callable[[Any], int]:
    @functools.wraps(count)
    def counted(queue: Any) -> int:
        return 0 if getattr(_sending, "depth", 0) > 0 else count(queue)

    return counted
