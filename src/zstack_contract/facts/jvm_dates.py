"""Dates as a ZStack node renders them: the JVM's default medium format, in the node's local time,
with no zone.

- Java 8 (what the server is built for): ``Nov 14, 2017 10:20:57 PM``;
- Java 11-19: ``Nov 14, 2017, 10:20:57 PM`` (a comma after the year);
- Java 20+: ``Nov 14, 2017, 10:20:57\u202fPM`` (a narrow no-break space before AM/PM).

The schema builder writes :data:`PATTERN` (all three), the simulator renders with :func:`render`,
and the checks and the simulator's data files read with :func:`instant` and :func:`parse`.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
NNBSP = "\u202f"
JVMS = (8, 11, 21)  # one of each rendering: 8, 11-19, 20+

# Patterns end in "$(?!\n)": Python's re lets a bare "$" match before a final newline, ECMA
# engines (check-jsonschema, jsonschema-rs) do not; with the look-ahead all of them agree.
PATTERN = (
    f"^({'|'.join(MONTHS)}) ([1-9]|[12][0-9]|3[01]), [0-9]{{4}},? "
    "([1-9]|1[0-2]):[0-5][0-9]:[0-5][0-9][ \u202f](AM|PM)$(?!\\n)"
)
EXAMPLES = ("Nov 14, 2017 10:20:57 PM", "Nov 14, 2017, 10:20:57 PM", "Nov 14, 2017, 10:20:57\u202fPM")


def render(dt: datetime, jvm: int = 8) -> str:
    """``dt`` as java.text.DateFormat's default (English locale) renders it on that JVM."""
    hour = dt.hour % 12 or 12
    half = "AM" if dt.hour < 12 else "PM"
    comma = "" if jvm < 11 else ","
    space = NNBSP if jvm >= 20 else " "
    return f"{MONTHS[dt.month - 1]} {dt.day}, {dt.year}{comma} {hour}:{dt.minute:02d}:{dt.second:02d}{space}{half}"


_RENDERED = re.compile(r"([A-Z][a-z]{2}) ([1-9]|[12][0-9]|3[01]), ([0-9]{4}),? ([1-9]|1[0-2]):([0-5][0-9]:[0-5][0-9])[ \u202f]([AP])M")
# The rendering's parts as ISO 8601 wants them, looked up rather than converted by int().
_MONTH = {m: f"{n:02d}" for n, m in enumerate(MONTHS, 1)}
_DAY = {str(d): f"{d:02d}" for d in range(1, 32)}
_MONTH_END = {mm: str(days) for mm, days in zip(_MONTH.values(), (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31))}  # Feb 29: leap years only
_HOUR = {f"{h}{half}": f"{h % 12 + (12 if half == 'P' else 0):02d}" for h in range(1, 13) for half in "AP"}  # "12A" -> "00"
_FORMATS = ("%b %d, %Y %I:%M:%S %p", "%b %d, %Y, %I:%M:%S %p")


@lru_cache(maxsize=4096)
def instant(text: str) -> str | None:
    """The instant a rendering names, as ISO 8601 text (``2017-11-14 22:20:57``, which sorts as
    time does); None for anything else. ``text`` must be a str.

    The renderings of real days are read by a pattern; strptime decides everything else (a day
    the month lacks, year 0000, zero-padded numbers)."""
    m = _RENDERED.fullmatch(text)
    if m:
        month, day, year, hour, clock, half = m.groups()
        mm, dd = _MONTH.get(month), _DAY[day]
        if mm and year != "0000" and (dd <= "28" or dd <= _MONTH_END[mm] and (mm != "02" or _leap(int(year)))):
            return f"{year}-{mm}-{dd} {_HOUR[hour + half]}:{clock}"
    text = text.replace(NNBSP, " ")
    for fmt in _FORMATS if text.count(",") < 2 else _FORMATS[::-1]:  # the likely one first
        try:
            return datetime.strptime(text, fmt).isoformat(" ")
        except ValueError:
            continue
    return None


def parse(text: str) -> datetime | None:
    """The naive local datetime a rendering names; None for anything else."""
    iso = instant(text)
    return datetime.fromisoformat(iso) if iso else None


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
