"""moto's answers reshaped as AWS forms them, for the services localcloud has no package for.

Hooks into moto (installed through the seam by `LocalCloud.start()`, undone at stop). Each changes
only the form of an answer a client sees, never what is stored:

1. Kinesis sequence numbers: moto numbers a shard's records 1, 2, 3... AWS's are 56-digit decimal
   strings, unique per stream and increasing per shard; clients store, compare and log them
   (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecord.html#API_PutRecord_ResponseSyntax).
   `Shard.put_record` numbers a shard's records from a per-shard base of that form (``49``, the
   time the shard was first used in microseconds, the shard's index), still one apart so readers
   (`shared/kinesis_shards.py`) step through them by position; `Shard.get_min_sequence_number`
   answers the shard's base as its StartingSequenceNumber, as AWS does for a shard with no record.

Known gaps: sequence numbers of consecutive records differ by one (AWS's by larger, irregular steps).
"""

from __future__ import annotations

import time
from typing import Any

from sandbox.localcloud import moto_seam as seam

SHARD_PUT = seam.target(
    "moto.kinesis.models:Shard", "put_record", "(self, partition_key, data, explicit_hash_key)"
)
SHARD_START = seam.target("moto.kinesis.models:Shard", "get_min_sequence_number", "(self)")
TARGETS = (SHARD_PUT, SHARD_START)

_BASE = "_aws_sequence_base"


def install(patches: seam.Patches) -> None:
    """Install the answer hooks into `patches` (undone with them)."""
    patches.replace(SHARD_PUT, lambda _original: _put_record)
    patches.replace(SHARD_START, lambda _original: sequence_base)


def sequence_base(shard: Any) -> int:
    """The shard's starting sequence number: 56 digits, fixed when the shard is first used."""
    base = vars(shard).get(_BASE)
    if base is None:
        fresh = 49 * 10**54 + (time.time_ns() // 1000) * 10**22 + shard._shard_id * 10**18
        base = vars(shard).setdefault(_BASE, fresh)
    return base


def _put_record(shard: Any, partition_key: str, data: str, explicit_hash_key: str) -> str:
    records = shard.records
    number = (next(reversed(records)) if records else sequence_base(shard)) + 1
    records[number] = seam.KinesisRecord(partition_key, data, number, explicit_hash_key)
    return str(number)
