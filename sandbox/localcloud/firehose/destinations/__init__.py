"""Destination types, picked from a table by the key moto stores the destination under.

Each entry builds a destination from its DescribeDeliveryStream description; adding a destination
type is one module and one row here (no if-chain in the engine).
"""

from __future__ import annotations

from typing import Any, Callable

from sandbox.localcloud.firehose.destinations.base import DeliveryContext, Destination, ErrorBatch, Outcome
from sandbox.localcloud.firehose.destinations.opensearch import OpenSearchDestination
from sandbox.localcloud.firehose.destinations.s3 import S3Destination

# In lookup order: moto keeps an "S3" copy beside "ExtendedS3", so ExtendedS3 must come first.
DESTINATIONS: dict[str, Callable[[str, dict[str, Any]], Destination]] = {
    "ExtendedS3": S3Destination,
    "S3": S3Destination,
    "Amazonopensearchservice": OpenSearchDestination,
    "Elasticsearch": OpenSearchDestination,
}

# The destination key stored by moto -> the AWS API's name for DescribeDeliveryStream rows.
DISPLAY_NAMES = {
    "ExtendedS3": "ExtendedS3",
    "S3": "S3",
    "Amazonopensearchservice": "AmazonOpenSearchService",
    "Elasticsearch": "Elasticsearch",
}


def build(destination: dict[str, Any]) -> Destination | None:
    """The destination for one moto destination entry, or None for a type localcloud leaves to moto."""
    for kind, factory in DESTINATIONS.items():
        if kind in destination:
            return factory(kind, destination[kind])
    return None


__all__ = ["DESTINATIONS", "DeliveryContext", "Destination", "ErrorBatch", "Outcome", "build"]
