"""Athena's Trino functions that DuckDB names alike but reads differently, and the UTC session zone."""

from __future__ import annotations

from sandbox.localcloud.athena import query, results


def test_format_reads_java_patterns_and_timestamps_with_zone_print_as_athena_does():
    outcome = query.run("SELECT format('%s-%05.1f', 'x', 2.5) AS f, from_unixtime(86400) AS t, "
                        "hour(from_unixtime(0)) AS h", None, glue=None, reader=None)
    f, t, h = outcome.rows[0]
    assert f == "x-002.5"  # DuckDB's own format() would return the pattern unchanged
    assert results.text(t) == "1970-01-02 00:00:00.000 UTC"
    assert h == 0  # the session zone is UTC whatever the machine's
