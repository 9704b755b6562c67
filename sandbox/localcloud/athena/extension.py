"""The Athena extension: queries run on DuckDB over the Data Catalog's tables in S3.

Entry of ``sandbox/localcloud/athena/`` (name ``athena``; the console's ``/api/localcloud/athena``
lists recent executions). Emulates https://docs.aws.amazon.com/athena/latest/ug/what-is.html on top
of moto, whose query executions return canned rows. Known gaps: see engine.py and query.py.
"""

from __future__ import annotations

from sandbox.localcloud.athena import hooks
from sandbox.localcloud.athena.engine import AthenaEngine
from sandbox.localcloud.runtime import Runtime
from sandbox.localcloud.service import ServiceExtension


class AthenaQueries(ServiceExtension):
    name = "athena"
    targets = hooks.TARGETS

    def start(self, runtime: Runtime) -> AthenaEngine:
        engine = AthenaEngine(runtime.settings, runtime.client, runtime.objects)
        hooks.install(self.patches, engine)
        return engine
