"""moto's per-request and producer paths that cost more than they need to, made cheap.

Hooks into moto (installed by `LocalCloud.start()` before the server answers, undone by
`uninstall()` at stop): pure performance, no behaviour a client can see changes.

1. `moto.kinesis.models.Shard.get_max_sequence_number` (and `get_min_sequence_number`) read the
   last (first) key of the shard's insertion-ordered record dict instead of copying every key into
   a list. moto calls the former once per PutRecord(s) entry, so a shard holding n records cost
   O(n) per put: a replay of the 541,909-line data set spent minutes in it. Same answer, since
   moto inserts sequence numbers in increasing order
   (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html).
2. `moto.sqs.models.SQSBackend.send_message` is wrapped so that, while (and only while) a send runs
   on the calling thread, the three `Queue.approximate_number_of_messages*` properties answer 0.
   moto's send reads `queue.attributes.get("ContentBasedDeduplication")`, and `Queue.attributes`
   computes every attribute, these counts too, each a pass over all queued messages: a
   dead-letter queue (an OnFailure destination, the order pipeline's DLQ with 135,080 guest lines)
   filled quadratically. SendMessage's answer carries no queue attributes and the send path reads
   only ContentBasedDeduplication, so nothing a client sees changes; GetQueueAttributes still counts
   (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html).
3. `moto.moto_server.werkzeug_app.DomainDispatcherApplication.get_backend_for_host` is memoised per
   host. moto resolves the backend of every request under one lock by listing its own package
   folder (an `isdir` per service, ~180) and matching hundreds of URL patterns; the answer for a
   host never changes while the server runs. Misses (unknown hosts) are not cached.
4. `moto.kinesis.models.Stream.put_record` (PutRecord, and PutRecords per entry) runs under one
   lock. moto numbers a shard's records "last + 1" without one, so two requests at once (a Spark
   writer's parallel tasks, two producers) could take the same number and one record silently
   replaced the other; Kinesis gives every record its own sequence number.
"""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable

SQS_COUNTS = (
    "approximate_number_of_messages",
    "approximate_number_of_messages_delayed",
    "approximate_number_of_messages_not_visible",
)

_sending = threading.local()
_originals: dict[str, Any] = {}


def install() -> None:
    """Install the fast paths (idempotent)."""
    from moto.kinesis.models import Shard
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    from moto.sqs.models import Queue, SQSBackend

    if _originals:
        return
    _originals["backend_for_host"] = DomainDispatcherApplication.get_backend_for_host
    DomainDispatcherApplication.get_backend_for_host = _memoised(  # type: ignore[method-assign]
        DomainDispatcherApplication.get_backend_for_host
    )
    from moto.kinesis.models import Stream

    _originals["kinesis_put"] = Stream.put_record
    Stream.put_record = _locked(Stream.put_record)  # type: ignore[method-assign]
    _originals["kinesis_max"] = Shard.get_max_sequence_number
    _originals["kinesis_min"] = Shard.get_min_sequence_number
    Shard.get_max_sequence_number = _last_sequence_number  # type: ignore[method-assign]
    Shard.get_min_sequence_number = _first_sequence_number  # type: ignore[method-assign]

    send: Callable[..., Any] = SQSBackend.send_message
    _originals["sqs_send"] = send

    @functools.wraps(send)
    def send_message(self: Any, *args: Any, **kwargs: Any) -> Any:
        _sending.depth = getattr(_sending, "depth", 0) + 1
        try:
            return send(self, *args, **kwargs)
        finally:
            _sending.depth -= 1

    SQSBackend.send_message = send_message  # type: ignore[method-assign]
    for name in SQS_COUNTS:
        original: property = getattr(Queue, name)
        _originals[name] = original
        setattr(Queue, name, property(_count_outside_send(original.fget)))  # type: ignore[arg-type]


def uninstall() -> None:
    """Restore moto's methods."""
    from moto.kinesis.models import Shard
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    from moto.sqs.models import Queue, SQSBackend

    if not _originals:
        return
    DomainDispatcherApplication.get_backend_for_host = _originals.pop("backend_for_host")  # type: ignore[method-assign]
    from moto.kinesis.models import Stream

    Stream.put_record = _originals.pop("kinesis_put")  # type: ignore[method-assign]
    Shard.get_max_sequence_number = _originals.pop("kinesis_max")  # type: ignore[method-assign]
    Shard.get_min_sequence_number = _originals.pop("kinesis_min")  # type: ignore[method-assign]
    SQSBackend.send_message = _originals.pop("sqs_send")  # type: ignore[method-assign]
    for name in SQS_COUNTS:
        setattr(Queue, name, _originals.pop(name))


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


_put_lock = threading.Lock()


def _locked(put: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(put)
    def put_record(*args: Any, **kwargs: Any) -> Any:
        with _put_lock:
            return put(*args, **kwargs)

    return put_record


def _last_sequence_number(shard: Any) -> int:
    return next(reversed(shard.records), 0) if shard.records else 0


def _first_sequence_number(shard: Any) -> int:
    return next(iter(shard.records), 0) if shard.records else 0


def _count_outside_send(count: Callable[[Any], int]) -> Callable[[Any], int]:
    @functools.wraps(count)
    def counted(queue: Any) -> int:
        return 0 if getattr(_sending, "depth", 0) > 0 else count(queue)

    return counted
