"""The five Cadabra pipelines: one folder each, with the same files (resources, handler, app, README)."""
