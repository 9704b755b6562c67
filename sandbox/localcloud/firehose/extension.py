"""The Firehose extension: buffering, Lambda transform, S3 prefixes/compression, OpenSearch, Kinesis source.

Entry of ``sandbox/localcloud/firehose/`` (name ``firehose``). Emulates
https://docs.aws.amazon.com/firehose/latest/dev/basic-deliver.html,
https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html,
https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html and
https://docs.aws.amazon.com/firehose/latest/dev/create-destination.html on top of moto, which
keeps every delivery stream's configuration (Create/Describe/Update/Delete work as moto does) but
on its own writes one S3 object per call. The engine (engine.py) buffers and delivers; the hooks
(hooks.py) hand it the records and complete moto's create/update calls.

Known gaps: HTTP endpoint, Redshift, Splunk, Snowflake and Iceberg destinations, dynamic
partitioning, record format conversion and server-side encryption are not emulated.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Iterator

from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.firehose import hooks
from sandbox.localcloud.firehose.engine import FirehoseEngine, utc_now
from sandbox.localcloud.runtime import Runtime
from sandbox.localcloud.service import ServiceExtension


class MotoCatalog:
    """Every delivery stream moto holds, across accounts and regions."""

    def streams(self) -> Iterator[tuple[str, str, Any]]:
        for account_id, region, backend in seam.backends("firehose"):
            for model in list(backend.delivery_streams.values()):
                yield account_id, region, model


class FirehoseDelivery(ServiceExtension):
    name = "firehose"
    targets = hooks.TARGETS

    def __init__(self, *, clock: Callable[[], datetime] = utc_now, tick_seconds: float = 0.2) -> None:
        super().__init__()
        self._clock = clock
        self._tick_seconds = tick_seconds

    def start(self, runtime: Runtime) -> FirehoseEngine:
        engine = FirehoseEngine(runtime.settings, MotoCatalog(), runtime.invoke, clock=self._clock, tick_seconds=self._tick_seconds)
        hooks.install(self.patches, engine)
        engine.start()
        return engine
