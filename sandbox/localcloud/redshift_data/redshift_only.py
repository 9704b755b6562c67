"""Redshift SQL that sqlglot's Redshift -> PostgreSQL translation leaves unreadable or wrong, fixed.

- Storage clauses of CREATE TABLE that sqlglot does not parse or does not drop
  (https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_NEW.html): column-level
  ``DISTKEY`` and ``SORTKEY``, ``[COMPOUND | INTERLEAVED] SORTKEY (...)`` and ``SORTKEY AUTO``,
  ``DISTSTYLE x``, ``ENCODE x`` (a column's or the table's ``ENCODE AUTO``) and ``BACKUP YES|NO``
  are removed from the statement's tokens before it is parsed. A word at the start of a column
  definition (after ``(`` or ``,``) is a column name and stays.
- ``LISTAGG(x, sep) WITHIN GROUP (ORDER BY ...)`` (https://docs.aws.amazon.com/redshift/latest/dg/r_LISTAGG.html)
  becomes ``STRING_AGG(x, sep ORDER BY ...)`` (sqlglot writes ``STRING_AGG(...) WITHIN GROUP``,
  which PostgreSQL rejects).
- ``APPROXIMATE COUNT(DISTINCT x)`` (https://docs.aws.amazon.com/redshift/latest/dg/r_COUNT.html)
  becomes the exact ``COUNT(DISTINCT x)``: PostgreSQL has no HyperLogLog estimator.

Written by hand because these are Redshift storage and function details sqlglot 30 does not model
for PostgreSQL; each is a few lines over sqlglot's tokens or tree.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.tokens import Token, TokenType

TABLE_PREFIX = {"CREATE", "TEMP", "TEMPORARY", "LOCAL", "GLOBAL"}
WITH_VALUE = {"ENCODE", "DISTSTYLE", "BACKUP"}  # keyword + one word
COLUMN_START = {TokenType.L_PAREN, TokenType.COMMA}


def _word(token: Token) -> str:
    return "" if token.token_type in (TokenType.STRING, TokenType.NUMBER) else token.text.upper()


def _skip_parens(tokens: list[Token], i: int) -> int:
    """The index after the parenthesised list starting at tokens[i] (or i when none starts there)."""
    if i >= len(tokens) or tokens[i].token_type is not TokenType.L_PAREN:
        return i
    depth = 0
    for j in range(i, len(tokens)):
        depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(tokens[j].token_type, 0)
        if depth == 0:
            return j + 1
    return len(tokens)


def _storage_spans(tokens: list[Token]) -> list[tuple[int, int]]:
    """Token index ranges [start, end) of the storage clauses in a CREATE TABLE statement."""
    spans, i = [], 0
    while i < len(tokens):
        word = _word(tokens[i])
        starts_column = i > 0 and tokens[i - 1].token_type in COLUMN_START
        if starts_column or not word:
            i += 1
            continue
        if word in WITH_VALUE and i + 1 < len(tokens) and _word(tokens[i + 1]):
            spans.append((i, i + 2))
            i += 2
        elif word == "DISTKEY":
            end = _skip_parens(tokens, i + 1)
            spans.append((i, end))
            i = end
        elif word in ("COMPOUND", "INTERLEAVED") and i + 1 < len(tokens) and _word(tokens[i + 1]) == "SORTKEY":
            end = _skip_parens(tokens, i + 2)
            spans.append((i, end))
            i = end
        elif word == "SORTKEY":
            end = i + 2 if i + 1 < len(tokens) and _word(tokens[i + 1]) == "AUTO" else _skip_parens(tokens, i + 1)
            spans.append((i, end))
            i = end
        else:
            i += 1
    return spans


def drop_storage_clauses(sql: str) -> str:
    """`sql` without Redshift's storage clauses when it is a CREATE TABLE; otherwise unchanged."""
    tokens = Dialect.get_or_raise("redshift").tokenize(sql)
    head = [_word(t) for t in tokens[:6]]
    if "TABLE" not in head or any(w not in TABLE_PREFIX for w in head[: head.index("TABLE")]):
        return sql
    out, position = [], 0
    for start, end in _storage_spans(tokens):
        out.append(sql[position:tokens[start].start])
        position = tokens[end - 1].end + 1
    out.append(sql[position:])
    return "".join(out)


def rewrite_functions(tree: exp.Expression) -> exp.Expression:
    """LISTAGG ... WITHIN GROUP -> STRING_AGG(... ORDER BY ...); APPROXIMATE COUNT(DISTINCT) -> COUNT(DISTINCT)."""
    for node in list(tree.find_all(exp.WithinGroup)):
        aggregate, order = node.this, node.expression
        if isinstance(aggregate, exp.GroupConcat) and isinstance(order, exp.Order):
            ordered = exp.Order(this=aggregate.this.copy(), expressions=[e.copy() for e in order.expressions])
            node.replace(exp.GroupConcat(this=ordered, separator=aggregate.args.get("separator")))
    for node in list(tree.find_all(exp.ApproxDistinct)):
        node.replace(exp.Count(this=exp.Distinct(expressions=[node.this.copy()])))
    return tree
