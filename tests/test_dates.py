from datetime import datetime, timedelta

import jdatetime
import pytest
from hypothesis import given
from hypothesis import strategies as st

from newscrawl.dates import MONTHS, TEHRAN, DateError, format_published, parse_published
from newscrawl.text import to_persian_digits


@pytest.mark.parametrize(
    ("shown", "iso"),
    [
        ("۰۷ اسفند ۱۴۰۱ - ۲۲:۱۵", "2023-02-26T22:15:00+03:30"),  # Kayhan
        ("تاریخ انتشار : ۰۷ اسفند ۱۴۰۱ - ۲۲:۱۵", "2023-02-26T22:15:00+03:30"),
        ("۱۴۰۳/۰۱/۱۱ - ۱۱:۰۰:۰۱", "2024-03-30T11:00:01+03:30"),  # Borna
        ("شنبه ۱۰ بهمن ۱۴۰۳ - ۱۰:۲۱", "2025-01-29T10:21:00+03:30"),  # Tasnim
        ("۱۳ تیر ۱۴۰۳ - ۰۸:۳۸", "2024-07-03T08:38:00+03:30"),  # Mashregh, no summer time
        ("۰۱ تیر ۱۴۰۰ - ۱۱:۳۵", "2021-06-22T11:35:00+04:30"),  # summer time until 2022
        ("۱۰:۴۱ - ۱۴۰۲/۰۹/۰۳", "2023-11-24T10:41:00+03:30"),  # comment dates: time first
        ("2023-11-24T09:15:00+03:30", "2023-11-24T09:15:00+03:30"),  # meta
        ("2023-11-24T05:45:00Z", "2023-11-24T09:15:00+03:30"),
        ("۱۵ ارديبهشت ۱۴۰۲ - ۰۹:۰۰", "2023-05-05T09:00:00+03:30"),  # Arabic ي
    ],
)
def test_outlet_forms(shown, iso):
    assert parse_published(shown).isoformat() == iso


@pytest.mark.parametrize(
    "bad", ["۳۰ اسفند ۱۴۰۱ - ۱۰:۰۰", "۳۲ تیر ۱۴۰۰", "۱۴۰۲/۱۳/۰۱", "امروز", "", "۱۰ دی ۱۴۰۲ - ۲۵:۰۰"]
)
def test_impossible_or_missing_dates_raise(bad):
    with pytest.raises(DateError):
        parse_published(bad)


def test_seed_date_line():
    moment = datetime(2023, 2, 26, 22, 15, tzinfo=TEHRAN)
    assert format_published(moment) == "۰۷ اسفند ۱۴۰۱ - ۲۲:۱۵"


jalali_days = st.integers(
    min_value=0, max_value=(jdatetime.date(1410, 12, 29) - jdatetime.date(1380, 1, 1)).days
).map(lambda n: jdatetime.date(1380, 1, 1) + timedelta(days=n))
times = st.tuples(st.integers(0, 23), st.integers(0, 59))


@given(jalali_days, times, st.sampled_from(["named", "numeric", "time_first"]))
def test_every_outlet_form_round_trips(day, hm, form):
    hour, minute = hm
    if form == "named":
        shown = f"{day.day:02d} {MONTHS[day.month - 1]} {day.year} - {hour:02d}:{minute:02d}"
    elif form == "numeric":
        shown = f"{day.year}/{day.month:02d}/{day.day:02d} - {hour:02d}:{minute:02d}:00"
    else:
        shown = f"{hour:02d}:{minute:02d} - {day.year}/{day.month:02d}/{day.day:02d}"
    parsed = parse_published(to_persian_digits(shown))
    gregorian = day.togregorian()
    assert (parsed.year, parsed.month, parsed.day) == (
        gregorian.year,
        gregorian.month,
        gregorian.day,
    )
    assert (parsed.hour, parsed.minute) == (hour, minute)
    assert parsed.utcoffset() in (timedelta(hours=3, minutes=30), timedelta(hours=4, minutes=30))
    # Same instant back (a wall time inside a summer-time jump is rendered after the jump).
    assert parse_published(format_published(parsed)) == parsed
