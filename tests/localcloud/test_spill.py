"""Blocks of items on disk with their index (sandbox/localcloud/spill.py), the store under the Kinesis
shard log and CloudWatch Logs events: what goes in comes back, by position and by block, after its
index left the cache."""

from __future__ import annotations

from array import array

import pytest

from sandbox.localcloud import spill
from sandbox.localcloud.spill import SpilledBlocks


def test_items_and_columns_come_back_by_position_and_by_block_after_leaving_the_cache(tmp_path):
    blocks = SpilledBlocks(tmp_path, "t-", columns=1)
    written = [[f"item {b}.{j} é".encode() * (j + 1) for j in range(b + 1)] for b in range(spill.CACHED_BLOCKS + 3)]
    for b, blobs in enumerate(written):
        blocks.append(blobs, (array("q", [100 * b + j for j in range(len(blobs))]),))
    blocks.append([])  # nothing to write: no block
    flat = [blob for blobs in written for blob in blobs]
    assert (len(blocks), blocks.blocks) == (len(flat), len(written))
    assert list(blocks.firsts(0)) == [100 * b for b in range(len(written))]
    for i, want in enumerate(flat):  # the first blocks' indexes are read back from the file
        blob, index, j = blocks.item(i)
        assert blob == want and index.columns[0][j] == 100 * blocks.block_of(i) + j
    for b, blobs in enumerate(written):
        items, index = blocks.block_items(b)
        assert items == blobs and list(index.columns[0]) == [100 * b + j for j in range(len(blobs))]
        assert (blocks.start(b), blocks.size(b)) == (sum(map(len, written[:b])), len(blobs))


def test_a_block_needs_one_value_per_item_in_each_column(tmp_path):
    blocks = SpilledBlocks(tmp_path, "t-", columns=2)
    with pytest.raises(ValueError, match="2 columns of 3 values"):
        blocks.append([b"a", b"b", b"c"], (array("q", [1, 2, 3]),))
    with pytest.raises(ValueError, match="2 columns of 1 values"):
        blocks.append([b"a"], (array("q", [1]), array("q", [1, 2])))
    assert len(blocks) == 0 and not any(tmp_path.iterdir())  # nothing written
