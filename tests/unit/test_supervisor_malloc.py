"""The supervisor's glibc malloc thresholds (sandbox/stack/supervisor.py): set where the C library is glibc."""

from __future__ import annotations

import platform

from sandbox.stack.supervisor import keep_large_blocks_out_of_the_heap


def test_malloc_thresholds_are_set_on_glibc():
    assert keep_large_blocks_out_of_the_heap() is (platform.libc_ver()[0] == "glibc")
