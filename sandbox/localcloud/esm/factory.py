"""The one place that picks a poller for a mapping, by the kind of its event source."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from sandbox.localcloud.esm.dynamodb_poller import DynamoDBSource
from sandbox.localcloud.esm.kinesis_poller import KinesisSource
from sandbox.localcloud.esm.model import MappingConfig, MappingStatus, SourceKind, StartingPosition
from sandbox.localcloud.esm.queue_worker import QueueWorker
from sandbox.localcloud.esm.records import StreamSource
from sandbox.localcloud.esm.sender import Sender
from sandbox.localcloud.esm.sqs_poller import SqsPoller
from sandbox.localcloud.esm.stream_worker import ShardWorker, WorkerContext
from sandbox.localcloud.shared.destinations import DestinationSender
from sandbox.settings import Settings

STREAM_SOURCES: dict[SourceKind, Callable[[str], StreamSource]] = {
    SourceKind.KINESIS: KinesisSource,
    SourceKind.DYNAMODB: DynamoDBSource,
}


class Runner(Protocol):
    """The running pollers of one enabled mapping."""

    def refresh(self) -> None:
        """Start pollers for shards that appeared since the last call (resharding)."""
        ...

    def stop(self) -> None: ...

    def alive(self) -> bool: ...

    def join(self, timeout: float) -> None: ...


@dataclass
class Shared:
    """What the factory hands every runner."""

    settings: Settings
    sender: Sender
    destinations: DestinationSender
    identity: Callable[[str], str]


class _Threads:
    def __init__(self, context: WorkerContext) -> None:
        self.context = context
        self.threads: list[threading.Thread] = []

    def stop(self) -> None:
        self.context.stop.set()

    def alive(self) -> bool:
        return any(thread.is_alive() for thread in self.threads)

    def join(self, timeout: float) -> None:
        for thread in self.threads:
            thread.join(timeout)


class StreamRunner(_Threads):
    def __init__(self, context: WorkerContext, source: StreamSource) -> None:
        super().__init__(context)
        self._source = source
        self._started: set[str] = set()

    def refresh(self) -> None:
        for reader in self._source.shards():
            if reader.shard_id not in self._started:
                self._started.add(reader.shard_id)
                self.threads.append(ShardWorker(self.context, reader).start().thread)


class QueueRunner(_Threads):
    def __init__(self, context: WorkerContext, poller: SqsPoller) -> None:
        super().__init__(context)
        self.threads.append(QueueWorker(context, poller).start().thread)

    def refresh(self) -> None:
        return None


def create_runner(esm: Any, status: MappingStatus, shared: Shared) -> Runner:
    """Start the pollers of `esm` (a moto EventSourceMapping) and return them."""
    kind = SourceKind.of_arn(esm.event_source_arn)
    stream = STREAM_SOURCES.get(kind)
    source = stream(esm.event_source_arn) if stream else None
    context = WorkerContext(
        config=lambda: MappingConfig.of(esm),
        status=status,
        sender=shared.sender,
        destinations=shared.destinations,
        identity=shared.identity,
        batch_info_key=source.batch_info_key if source else "",
        stream_arn=source.source_arn if source else esm.event_source_arn,
        stop=threading.Event(),
    )
    if source is None:
        return QueueRunner(context, SqsPoller(shared.settings, esm.event_source_arn))
    runner = StreamRunner(context, source)
    runner.refresh()
    return runner


def seed_positions(esm: Any, status: MappingStatus) -> None:
    """Fix where each shard starts at creation time, as AWS does (LATEST means 'after now')."""
    stream = STREAM_SOURCES.get(SourceKind.of_arn(esm.event_source_arn))
    if stream is None:
        return
    config = MappingConfig.of(esm)
    start = config.starting_position or StartingPosition.TRIM_HORIZON
    for reader in stream(esm.event_source_arn).shards():
        status.checkpoints.setdefault(reader.shard_id, reader.start_after(start, config.starting_timestamp))
