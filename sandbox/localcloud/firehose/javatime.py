"""A Java `DateTimeFormatter` pattern formatter, for Firehose's `!{timestamp:...}` prefix expressions.

Firehose evaluates `!{timestamp:PATTERN}` with Java's DateTimeFormatter
(https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html,
https://docs.oracle.com/javase/8/docs/api/java/time/format/DateTimeFormatter.html). This module
formats a Python datetime the same way for the pattern letters Firehose users write: quoted text
(`'...'`, `''` for a quote), optional-section brackets (rendered), and the letters in `_FIELDS`.
Week fields (`Y`, `w`, `W`, `e`, `c`) follow the US locale Firehose runs in: weeks start on
Sunday and week 1 is the week that contains January 1st.

Known gaps: localized text is English only; zone names print the zone key (`UTC`), not a long name.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Callable

_MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class PatternError(ValueError):
    """The pattern is not a DateTimeFormatter pattern this formatter understands."""


def us_week(day: date) -> tuple[int, int]:
    """(week-based year, week of week-based year) with Sunday-start weeks, week 1 holding Jan 1."""
    sunday = day - timedelta(days=(day.weekday() + 1) % 7)
    saturday = sunday + timedelta(days=6)
    year = saturday.year  # a week belongs to the year its Saturday falls in
    jan1 = date(year, 1, 1)
    first_saturday = jan1 + timedelta(days=(5 - jan1.weekday()) % 7)
    return year, (saturday - first_saturday).days // 7 + 1


def _num(value: int, count: int) -> str:
    return str(value).zfill(count)


def _year(value: int, count: int) -> str:
    return _num(value % 100, 2) if count == 2 else _num(value, count)


def _text(full: str, count: int) -> str:
    return full[:3] if count <= 3 else full if count == 4 else full[0]


def _month(dt: datetime, count: int) -> str:
    return _num(dt.month, count) if count <= 2 else _text(_MONTHS[dt.month - 1], count)


def _fraction(dt: datetime, count: int) -> str:
    return f"{dt.microsecond * 1000:09d}"[:count].ljust(count, "0")


def _offset(dt: datetime, count: int, zero_z: bool) -> str:
    delta = dt.utcoffset() or timedelta(0)
    if zero_z and not delta:
        return "Z"
    minutes = int(delta.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    if count == 1:
        return f"{sign}{hours:02d}" + (f"{mins:02d}" if mins else "")
    return f"{sign}{hours:02d}{':' if count in (3, 5) else ''}{mins:02d}"


def _zone(dt: datetime, count: int) -> str:
    return str(getattr(dt.tzinfo, "key", None) or dt.tzname() or "UTC")


_FIELDS: dict[str, Callable[[datetime, int], str]] = {
    "G": lambda dt, n: "AD" if n <= 3 else "Anno Domini" if n == 4 else "A",
    "u": lambda dt, n: _year(dt.year, n),
    "y": lambda dt, n: _year(dt.year, n),
    "Y": lambda dt, n: _year(us_week(dt.date())[0], n),
    "D": lambda dt, n: _num(dt.timetuple().tm_yday, n),
    "M": _month,
    "L": _month,
    "d": lambda dt, n: _num(dt.day, n),
    "Q": lambda dt, n: _num((dt.month - 1) // 3 + 1, n) if n <= 2 else f"Q{(dt.month - 1) // 3 + 1}",
    "q": lambda dt, n: _num((dt.month - 1) // 3 + 1, n),
    "w": lambda dt, n: _num(us_week(dt.date())[1], n),
    "W": lambda dt, n: _num((dt.day - 1 + (dt.replace(day=1).weekday() + 1) % 7) // 7 + 1, n),
    "F": lambda dt, n: _num((dt.day - 1) // 7 + 1, n),
    "E": lambda dt, n: _text(_DAYS[dt.weekday()], n),
    "e": lambda dt, n: _num((dt.weekday() + 1) % 7 + 1, n) if n <= 2 else _text(_DAYS[dt.weekday()], n),
    "c": lambda dt, n: _num((dt.weekday() + 1) % 7 + 1, n) if n <= 2 else _text(_DAYS[dt.weekday()], n),
    "a": lambda dt, n: "AM" if dt.hour < 12 else "PM",
    "h": lambda dt, n: _num((dt.hour % 12) or 12, n),
    "K": lambda dt, n: _num(dt.hour % 12, n),
    "k": lambda dt, n: _num(dt.hour or 24, n),
    "H": lambda dt, n: _num(dt.hour, n),
    "m": lambda dt, n: _num(dt.minute, n),
    "s": lambda dt, n: _num(dt.second, n),
    "S": _fraction,
    "A": lambda dt, n: _num(((dt.hour * 60 + dt.minute) * 60 + dt.second) * 1000 + dt.microsecond // 1000, n),
    "n": lambda dt, n: _num(dt.microsecond * 1000, n),
    "N": lambda dt, n: _num((((dt.hour * 60 + dt.minute) * 60 + dt.second) * 1_000_000 + dt.microsecond) * 1000, n),
    "V": _zone,
    "z": _zone,
    "O": lambda dt, n: "GMT" + (_offset(dt, 3, False) if dt.utcoffset() else ""),
    "X": lambda dt, n: _offset(dt, n, True),
    "x": lambda dt, n: _offset(dt, n, False),
    "Z": lambda dt, n: _offset(dt, 2 if n <= 3 else 3, False) if n <= 4 else _offset(dt, 3, True),
}


def format_datetime(when: datetime, pattern: str) -> str:
    """Format `when` (naive means UTC) with a Java DateTimeFormatter pattern such as `yyyy/MM/dd/HH`."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "'":
            end = i + 1
            text: list[str] = []
            while True:
                if end >= len(pattern):
                    raise PatternError(f"unclosed quote in date pattern {pattern!r}: close it with '")
                if pattern[end] == "'":
                    if end + 1 < len(pattern) and pattern[end + 1] == "'":
                        text.append("'")
                        end += 2
                        continue
                    break
                text.append(pattern[end])
                end += 1
            out.append("".join(text) if end > i + 1 else "'")
            i = end + 1
        elif char.isascii() and char.isalpha():
            count = 1
            while i + count < len(pattern) and pattern[i + count] == char:
                count += 1
            field = _FIELDS.get(char)
            if field is None:
                raise PatternError(
                    f"unknown pattern letter {char!r} in date pattern {pattern!r}: quote literal text as '{char}'"
                )
            out.append(field(when, count))
            i += count
        elif char in "#{}":
            raise PatternError(f"reserved character {char!r} in date pattern {pattern!r}")
        else:
            if char not in "[]":
                out.append(char)
            i += 1
    return "".join(out)
