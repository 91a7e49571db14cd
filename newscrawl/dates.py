"""Publication dates: the Jalali forms the outlets show, to aware datetimes in Tehran time.

Calendar arithmetic is jdatetime's; UTC offsets come from the tz database's ``Asia/Tehran``
(Iran kept summer time, +04:30, until 2022), never from a fixed +03:30.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import jdatetime

from newscrawl.text import normalize_line, to_ascii_digits, to_persian_digits

TEHRAN = ZoneInfo("Asia/Tehran")

MONTHS: tuple[str, ...] = tuple(jdatetime.date.j_months_fa)
_MONTH_NUMBER = {name: i for i, name in enumerate(MONTHS, start=1)}
# Spellings seen besides jdatetime's: without madda, the old "امرداد", Arabic-form letters
# (normalised away before lookup).
_MONTH_NUMBER.update({"اذر": 9, "ابان": 8, "امرداد": 5, "اردبهشت": 2})
_MONTH_ALT = "|".join(sorted(map(re.escape, _MONTH_NUMBER), key=len, reverse=True))

_TIME = r"(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?"
# "۰۷ اسفند ۱۴۰۱ - ۲۲:۱۵", "شنبه ۱۰ بهمن ۱۴۰۳ ساعت ۱۰:۲۱", "۱۳ تیر ۱۴۰۳"
_NAMED = re.compile(
    rf"(?P<d>\d{{1,2}})\s*(?P<month>{_MONTH_ALT})\s*(?P<y>\d{{4}})(?:\D{{0,12}}?{_TIME})?"
)
# "۱۴۰۳/۰۱/۱۱ - ۱۱:۰۰:۰۱", "1403-01-11 11:00"
_NUMERIC = re.compile(
    rf"(?P<y>\d{{4}})[/\-.](?P<m>\d{{1,2}})[/\-.](?P<d>\d{{1,2}})(?:\D{{0,12}}?{_TIME})?"
)
# time first: "۱۰:۴۱ - ۱۴۰۲/۰۹/۰۳"
_TIME_FIRST = re.compile(
    rf"{_TIME}\s*[-–،,]?\s*(?P<y>\d{{4}})[/\-.](?P<m>\d{{1,2}})[/\-.](?P<d>\d{{1,2}})"
)
# Gregorian years are > 1700; Jalali years of news are 13xx-14xx.
_GREGORIAN_FROM = 1700


class DateError(ValueError):
    """A date string that names no real moment (unknown form or impossible date)."""


class NoDateForm(DateError):
    """A string that holds no date at all (not a wrong one): not a date line."""


def parse_published(text: str) -> datetime:
    """Parse a date as an outlet shows it (Jalali or Gregorian, Persian or ASCII digits, ISO 8601)
    into an aware datetime in Tehran time. Raises DateError when it is not a real date."""
    clean = to_ascii_digits(normalize_line(text, strip_zwnj=True))
    iso = _parse_iso(clean)
    if iso is not None:
        return iso
    for pattern in (_TIME_FIRST, _NAMED, _NUMERIC):
        match = pattern.search(clean)
        if match:
            return _from_match(match)
    raise NoDateForm(f"no date in {text!r}")


def shows_time(text: str) -> bool:
    """Whether a date as shown carries a time of day ("۱۳ تیر ۱۴۰۳ - ۰۸:۳۸"), not the day
    alone: a day alone is midnight only by convention, a machine-readable time is better."""
    return re.search(r"\d{1,2}:\d{2}", to_ascii_digits(text)) is not None


def looks_like_date(text: str) -> bool:
    """Whether a text that is no date still reads as a date line gone wrong: a time in it
    ("۲۵:۷۰"), or a month's name, whole or nearly ("اسفن")."""
    clean = normalize_line(text, strip_zwnj=True)
    return shows_time(clean) or _MONTH_LIKE.search(clean) is not None


# A month's name as a word, or the first four letters of a long one.
_MONTH_LIKE = re.compile(
    "|".join(
        rf"(?<!\w){re.escape(m[:4])}" if len(m) > 4 else rf"(?<!\w){re.escape(m)}(?!\w)"
        for m in _MONTH_NUMBER
    )
)


def _parse_iso(text: str) -> datetime | None:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?", text):
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise DateError(f"impossible date {text!r}") from exc
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=TEHRAN)
    return parsed.astimezone(TEHRAN)


def _from_match(match: re.Match[str]) -> datetime:
    parts = match.groupdict()
    year, day = int(parts["y"]), int(parts["d"])
    month = _MONTH_NUMBER[parts["month"]] if parts.get("month") else int(parts["m"])
    hour, minute, second = (int(parts[k] or 0) for k in ("H", "M", "S"))
    try:
        local = datetime.combine(_gregorian_day(year, month, day), time(hour, minute, second))
    except ValueError as exc:
        raise DateError(f"impossible date {match.group(0)!r}: {exc}") from exc
    return local.replace(tzinfo=TEHRAN)


def format_published(moment: datetime) -> str:
    """Render as the seed format's date line does: ``DD <Jalali month> YYYY - HH:MM``
    in Persian digits, Tehran local time."""
    local = moment.astimezone(TEHRAN)
    jalali = jdatetime.datetime.fromgregorian(datetime=local.replace(tzinfo=None))
    text = f"{jalali.day:02d} {MONTHS[jalali.month - 1]} {jalali.year} - {local:%H:%M}"
    return to_persian_digits(text)


def parse_day(text: str) -> date:
    """A day given on the command line: Gregorian ``2024-03-30`` or Jalali ``1403/01/11``
    (either separator, Persian or ASCII digits). Raises DateError."""
    clean = to_ascii_digits(text.strip())
    match = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", clean)
    if not match:
        raise DateError(f"not a day: {text!r} (use 2024-03-30 or 1403/01/11)")
    year, month, day = map(int, match.groups())
    try:
        return _gregorian_day(year, month, day)
    except ValueError as exc:
        raise DateError(f"impossible day {text!r}: {exc}") from exc


def _gregorian_day(year: int, month: int, day: int) -> date:
    """A day written Gregorian (from year 1700) or Jalali; ValueError if it does not exist."""
    if year >= _GREGORIAN_FROM:
        return date(year, month, day)
    return jdatetime.date(year, month, day).togregorian()


def jalali_parts(day: date) -> dict[str, str]:
    """Placeholders for an outlet's archive URL of ``day``: ``jalali`` (YYYY/MM/DD) and
    ``jy``, ``jm``, ``jd`` (zero-padded), plus the Gregorian ``iso``."""
    jalali = jdatetime.date.fromgregorian(date=day)
    return {
        "jalali": f"{jalali.year:04d}/{jalali.month:02d}/{jalali.day:02d}",
        "jy": f"{jalali.year:04d}",
        "jm": f"{jalali.month:02d}",
        "jd": f"{jalali.day:02d}",
        "iso": day.isoformat(),
    }
