"""Trino functions whose DuckDB namesake means something else, rewritten before sqlglot writes DuckDB.

- ``format(fmt, args...)`` (https://trino.io/docs/current/functions/conversion.html#format) takes
  Java's ``%s``/``%d``/``%.2f`` patterns; DuckDB's ``format`` takes ``{}`` and would return the
  pattern unchanged, so it becomes DuckDB's ``printf``, which reads the same patterns.

The session time zone is UTC, as Athena's is (``SESSION_TIME_ZONE``): query.py sets it on every
connection, so ``from_unixtime``, ``current_timestamp`` and ``AT TIME ZONE`` answer the same on any
machine. https://docs.aws.amazon.com/athena/latest/ug/functions-env3.html
"""

from __future__ import annotations

from sqlglot import exp

SESSION_TIME_ZONE = "UTC"


def rewrite(tree: exp.Expression) -> exp.Expression:
    """`tree` with Trino's format() as DuckDB's printf()."""
    for node in list(tree.find_all(exp.Format)):
        node.replace(exp.Anonymous(this="printf", expressions=[node.this.copy(), *(e.copy() for e in node.expressions)]))
    return tree
