"""Glue crawlers beyond moto: a crawl lists S3, infers tables, columns and partitions, writes the catalog.

- extension.py: the entry LocalCloud installs (name ``glue``); hooks.py: ``GlueResponse.call_action``
- crawler.py: crawl state, metrics and the background crawl; discovery.py: tables and partitions
  from keys; infer.py: columns and types from JSON, CSV, Parquet; catalog.py: tables and
  partitions written through the Glue API
"""
