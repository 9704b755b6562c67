"""The Glue extension: crawlers that crawl (moto stores their definitions and the Data Catalog).

Entry of ``sandbox/localcloud/glue/`` (name ``glue``; ``cadabra glue crawlers`` and the console's
``/api/localcloud/glue`` show the crawls). Emulates
https://docs.aws.amazon.com/glue/latest/dg/add-crawler.html on top of moto, whose StartCrawler only
flips a state. Known gaps: see crawler.py, discovery.py and infer.py.
"""

from __future__ import annotations

from sandbox.localcloud.glue import hooks
from sandbox.localcloud.glue.crawler import CrawlerEngine
from sandbox.localcloud.runtime import Runtime
from sandbox.localcloud.service import ServiceExtension


class GlueCrawlers(ServiceExtension):
    name = "glue"
    targets = hooks.TARGETS

    def start(self, runtime: Runtime) -> CrawlerEngine:
        engine = CrawlerEngine(runtime.settings, runtime.client, runtime.objects)
        hooks.install(self.patches, engine)
        return engine
