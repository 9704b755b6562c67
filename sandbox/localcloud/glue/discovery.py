"""Which tables and partitions a crawler finds under an S3 include path (pure: keys in, tables out).

Emulates the folder rules of https://docs.aws.amazon.com/glue/latest/dg/crawler-s3-folder-table-partition.html
and the exclusion globs of https://docs.aws.amazon.com/glue/latest/dg/define-crawler-choose-data-sources.html
(``*`` within a folder, ``**`` across folders, ``?``, ``[abc]``, ``{a,b}``; relative to the include path):

- objects directly under the include path, or first-level folders that all look like partitions
  (``key=value`` or plain numbers such as ``2011``): one table rooted at the include path;
- otherwise each first-level folder is the root of its own table (named after the folder);
- under a root, each folder level is a partition column: ``key=value`` names it ``key``, a plain
  folder name makes it ``partition_<level>`` (as Glue does for ``YYYY/MM/DD/HH`` paths).

Known gaps: Glue compares the schemas of sibling folders to decide whether they are partitions of
one table or separate tables; here the decision is by folder names only. Files deeper than the
shallowest file of a table are assigned to the partition of their first folders. Objects whose
names start with ``_`` or ``.`` (``_SUCCESS``, ``.crc``) are ignored, as Glue does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

PARTITION_NAME = re.compile(r"^[^=/]+=[^/]*$")
PLAIN_PARTITION = re.compile(r"^\d+$")


@dataclass(frozen=True)
class S3Object:
    key: str
    size: int
    etag: str = ""


@dataclass
class TableLayout:
    """One table the crawl found: where it lives, its partition columns and objects per partition."""

    name: str
    bucket: str
    prefix: str  # the table's root, ending in "/" (or "" for a bucket root)
    partition_keys: list[str] = field(default_factory=list)
    partitions: dict[tuple[str, ...], list[S3Object]] = field(default_factory=dict)

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def partition_location(self, values: tuple[str, ...]) -> str:
        folders = [f"{k}={v}" if not k.startswith("partition_") else v for k, v in zip(self.partition_keys, values)]
        return self.location + "".join(f"{folder}/" for folder in folders)

    @property
    def objects(self) -> list[S3Object]:
        return [obj for objects in self.partitions.values() for obj in objects]


def glob_matcher(patterns: Iterable[str]) -> Callable[[str], bool]:
    """A predicate: does a key (relative to the include path) match one of Glue's exclusion globs?"""
    compiled = [re.compile(_glob_regex(p)) for p in patterns if p]
    return lambda key: any(rx.fullmatch(key) for rx in compiled)


def _glob_regex(pattern: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i)
            if end < 0:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1:end]
                out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
                i = end
        elif c == "{":
            end = pattern.find("}", i)
            if end < 0:
                out.append(re.escape(c))
            else:
                out.append("(?:" + "|".join(_glob_regex(alt) for alt in pattern[i + 1:end].split(",")) + ")")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def table_name(raw: str, prefix: str = "") -> str:
    """Glue's table names: lower case, characters other than letters, digits and _ replaced by _."""
    return prefix + re.sub(r"[^a-z0-9_]", "_", raw.lower())


def _ignored(relative: str) -> bool:
    name = relative.rsplit("/", 1)[-1]
    return relative.endswith("/") or not name or name[0] in "_."


def discover(bucket: str, include_prefix: str, objects: Iterable[S3Object], exclusions: Iterable[str] = (),
             *, table_prefix: str = "") -> list[TableLayout]:
    """The tables under s3://bucket/include_prefix, given every object listed there."""
    include_prefix = include_prefix if not include_prefix or include_prefix.endswith("/") else include_prefix + "/"
    excluded = glob_matcher(exclusions)
    kept: list[tuple[list[str], S3Object]] = []
    for obj in objects:
        if not obj.key.startswith(include_prefix):
            continue
        relative = obj.key[len(include_prefix):]
        if _ignored(relative) or excluded(relative) or obj.size == 0:
            continue
        kept.append((relative.split("/")[:-1], obj))
    if not kept:
        return []
    first_level = {folders[0] for folders, _ in kept if folders}
    one_table = any(not folders for folders, _ in kept) or all(
        PARTITION_NAME.match(name) or PLAIN_PARTITION.match(name) for name in first_level)
    if one_table:
        root_name = include_prefix.rstrip("/").rsplit("/", 1)[-1] or bucket
        return [_table(table_name(root_name, table_prefix), bucket, include_prefix, kept)]
    tables = []
    for folder in sorted(first_level):
        members = [(folders[1:], obj) for folders, obj in kept if folders and folders[0] == folder]
        tables.append(_table(table_name(folder, table_prefix), bucket, f"{include_prefix}{folder}/", members))
    return tables


def _table(name: str, bucket: str, prefix: str, members: list[tuple[list[str], S3Object]]) -> TableLayout:
    depth = min(len(folders) for folders, _ in members)
    keys = []
    for level in range(depth):
        names = {folders[level] for folders, _ in members}
        keyed = {n.split("=", 1)[0] for n in names if PARTITION_NAME.match(n)}
        keys.append(keyed.pop() if len(keyed) == 1 and all(PARTITION_NAME.match(n) for n in names) else f"partition_{level}")
    table = TableLayout(name, bucket, prefix, keys)
    for folders, obj in members:
        values = tuple(f.split("=", 1)[1] if not k.startswith("partition_") else f for k, f in zip(keys, folders[:depth]))
        table.partitions.setdefault(values, []).append(obj)
    return table
