"""PartiQL statements rewritten so moto's parser (py-partiql-parser) reads what DynamoDB accepts.

py-partiql-parser reads an UPDATE's ``SET`` values only when quoted or ``?``: ``SET Age=20`` made
ExecuteStatement and BatchExecuteStatement fail with a 500. DynamoDB takes number literals there
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-reference.update.html), so
each one becomes a ``?`` with an ``{"N": ...}`` parameter at its place among the statement's own.

Known gaps: only number literals in SET are rewritten; other PartiQL moto's parser lacks (functions
in SET, nested paths with literals) still fails as moto does.
"""

from __future__ import annotations

import re
from typing import Any

_NUMBER = re.compile(r"(=\s*)(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(?=\s*(?:,|$))")
_SET = re.compile(r"\bSET\b", re.IGNORECASE)
_WHERE = re.compile(r"\bWHERE\b", re.IGNORECASE)


def _outside_quotes(statement: str) -> list[tuple[int, int]]:
    """(start, end) of the stretches of `statement` outside '...' and "..." literals."""
    stretches, start, quote = [], 0, None
    for index, char in enumerate(statement):
        if quote is None and char in "'\"":
            stretches.append((start, index))
            quote = char
        elif char == quote:
            quote, start = None, index + 1
    if quote is None:
        stretches.append((start, len(statement)))
    return stretches


def numbers_as_parameters(statement: str, parameters: list[Any] | None) -> tuple[str, list[Any] | None]:
    """`statement` with SET's number literals as ``?``, and the parameters to go with it."""
    if not statement.lstrip()[:6].upper() == "UPDATE" or "=" not in statement:
        return statement, parameters
    params = list(parameters or [])
    out, placed, in_set = [], 0, False
    cursor = 0
    for start, end in _outside_quotes(statement):
        out.append(statement[cursor:start])  # a quoted literal, as it is
        text = statement[start:end]
        pieces = []
        for part in re.split(r"(\bSET\b|\bWHERE\b|\?)", text, flags=re.IGNORECASE):
            if _SET.fullmatch(part):
                in_set = True
            elif _WHERE.fullmatch(part):
                in_set = False
            elif part == "?":
                placed += 1
            elif in_set and part:
                def to_parameter(match: re.Match[str]) -> str:
                    nonlocal placed
                    params.insert(placed, {"N": match.group(2)})
                    placed += 1
                    return f"{match.group(1)}?"

                part = _NUMBER.sub(to_parameter, part)
            pieces.append(part)
        out.append("".join(pieces))
        cursor = end
    out.append(statement[cursor:])
    rewritten = "".join(out)
    if rewritten == statement:
        return statement, parameters
    return rewritten, params
