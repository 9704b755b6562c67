"""The Redshift Data API extension: statements run on the stack's PostgreSQL (the "cadabra" cluster).

Entry of ``sandbox/localcloud/redshift_data/`` (name ``redshift-data``; the console's
``/api/localcloud/redshift-data`` lists recent statements). Emulates
https://docs.aws.amazon.com/redshift/latest/mgmt/data-api.html on top of moto, whose statements
return canned rows. Known gaps: see engine.py, translate.py, copy.py and spectrum.py.
"""

from __future__ import annotations

from sandbox.localcloud.redshift_data import hooks
from sandbox.localcloud.redshift_data.engine import DataApiEngine
from sandbox.localcloud.runtime import Runtime
from sandbox.localcloud.service import ServiceExtension


class RedshiftDataApi(ServiceExtension):
    name = "redshift-data"
    targets = hooks.TARGETS

    def start(self, runtime: Runtime) -> DataApiEngine:
        engine = DataApiEngine(runtime.settings, runtime.client, objects=runtime.objects)
        hooks.install(self.patches, engine, runtime.settings.names.redshift_cluster)
        return engine
