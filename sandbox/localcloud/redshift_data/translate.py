"""Redshift SQL to PostgreSQL: what the sandbox's "cluster" (PostgreSQL database ``dev``) runs.

Uses sqlglot's Redshift and PostgreSQL dialects (TOP, GETDATE, NVL, DATEADD, ... are rewritten by
sqlglot) and drops what only matters to Redshift's storage: DISTSTYLE, DISTKEY, SORTKEY
(COMPOUND/INTERLEAVED) and column ENCODE. Two statements are recognised here and run by the
engine instead: ``COPY ... FROM 's3://...'`` (copy.py) and ``CREATE EXTERNAL SCHEMA ... FROM DATA
CATALOG`` (spectrum.py). https://docs.aws.amazon.com/redshift/latest/dg/c_redshift-and-postgres-sql.html

Known gaps: Redshift-only statements sqlglot does not parse (UNLOAD, CREATE LIBRARY, ALTER TABLE
APPEND, ...) go to PostgreSQL as written and fail there with its reason; IDENTITY(seed, step)
becomes an identity column without the step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import logging

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import TokenType

from sandbox.localcloud.redshift_data import redshift_only

logging.getLogger("sqlglot").setLevel(logging.ERROR)  # its fallback-to-Command warnings are expected here

STORAGE_PROPERTIES = (exp.DistKeyProperty, exp.DistStyleProperty, exp.SortKeyProperty)
EXTERNAL_SCHEMA = re.compile(
    r"^\s*CREATE\s+EXTERNAL\s+SCHEMA\s+(?P<exists>IF\s+NOT\s+EXISTS\s+)?(?P<schema>\"?[\w$]+\"?)\s+"
    r"FROM\s+DATA\s+CATALOG\s+DATABASE\s+'(?P<database>[^']+)'(?P<rest>.*)$", re.IGNORECASE | re.DOTALL)
LEADING_COMMENTS = re.compile(r"^(\s*(--[^\n]*(\n|$)|/\*.*?\*/))*", re.DOTALL)
REGION = re.compile(r"\bREGION\s+'([^']+)'", re.IGNORECASE)


class TranslationError(ValueError):
    """The statement is not Redshift SQL sqlglot can read (the message is sqlglot's)."""


@dataclass(frozen=True)
class ExternalSchema:
    schema: str
    database: str
    region: str | None
    if_not_exists: bool


def split(sql: str) -> list[str]:
    """The statements of a script, cut at the semicolons sqlglot's tokenizer sees (not those in strings)."""
    try:
        tokens = Dialect.get_or_raise("redshift").tokenize(sql)
    except (ParseError, TokenError) as exc:
        raise TranslationError(str(exc)) from None
    parts, start = [], 0
    for token in tokens:
        if token.token_type is TokenType.SEMICOLON:
            parts.append(sql[start:token.start])
            start = token.end + 1
    parts.append(sql[start:])
    return [p.strip() for p in parts if p.strip()]


def external_schema(sql: str) -> ExternalSchema | None:
    """A CREATE EXTERNAL SCHEMA ... FROM DATA CATALOG statement's parts, or None."""
    match = EXTERNAL_SCHEMA.match(LEADING_COMMENTS.sub("", sql).strip().rstrip(";"))
    if not match:
        return None
    region = REGION.search(match.group("rest"))
    return ExternalSchema(match.group("schema").strip('"').lower(), match.group("database"),
                          region.group(1) if region else None, bool(match.group("exists")))


def parse(sql: str) -> exp.Expression:
    """One Redshift statement (TranslationError when sqlglot cannot read it)."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="redshift") if s is not None]
    except ParseError as exc:
        raise TranslationError(str(exc)) from None
    if len(statements) != 1:
        raise TranslationError(f"expected one statement, got {len(statements)}")
    return statements[0]


def strip_storage(tree: exp.Expression) -> exp.Expression:
    """Remove DISTSTYLE/DISTKEY/SORTKEY properties and ENCODE column constraints; VARCHAR(MAX) is TEXT."""
    for node in list(tree.find_all(*STORAGE_PROPERTIES, exp.EncodeColumnConstraint)):
        parent = node.parent
        node.pop()
        if isinstance(parent, exp.ColumnConstraint) and parent.args.get("kind") is None:
            parent.pop()
    for kind in list(tree.find_all(exp.DataType)):
        if kind.this in (exp.DataType.Type.VARCHAR, exp.DataType.Type.CHAR) and any(
                isinstance(p, exp.DataTypeParam) and p.name.upper() == "MAX" for p in kind.expressions):
            kind.replace(exp.DataType.build("text"))
    properties = tree.find(exp.Properties)
    if properties is not None and not properties.expressions:
        properties.pop()
    return tree


def bind(tree: exp.Expression, parameters: dict[str, str]) -> exp.Expression:
    """Data API parameters: each ``:name`` placeholder becomes the string literal of its value."""
    for placeholder in list(tree.find_all(exp.Placeholder)):
        if placeholder.name in parameters:
            placeholder.replace(exp.Literal.string(parameters[placeholder.name]))
        elif placeholder.name:
            raise TranslationError(f"no value for the parameter :{placeholder.name}")
    return tree


def redshift_tree(sql: str) -> tuple[str, exp.Expression]:
    """One Redshift statement read as PostgreSQL will run it, before parameters are bound: the text
    without Redshift's storage clauses and the tree without storage properties, Redshift-only
    functions rewritten. A statement sqlglot keeps as a Command runs as that text."""
    try:
        sql = redshift_only.drop_storage_clauses(sql)
    except (ParseError, TokenError) as exc:
        raise TranslationError(str(exc)) from None
    return sql, redshift_only.rewrite_functions(strip_storage(parse(sql)))


def to_postgres(sql: str, parameters: dict[str, str] | None = None) -> str:
    """A Redshift statement as PostgreSQL runs it."""
    sql, tree = redshift_tree(sql)
    if isinstance(tree, exp.Command):
        return sql
    return bind(tree, parameters or {}).sql(dialect="postgres")
