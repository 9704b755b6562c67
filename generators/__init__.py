"""Producers that feed the pipelines: Online Retail order replay (and synthetic), Apache access logs."""
