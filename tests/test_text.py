from hypothesis import given
from hypothesis import strategies as st

from newscrawl.text import (
    ZWNJ,
    normalize_line,
    normalize_paragraphs,
    to_ascii_digits,
    to_persian_digits,
)

persian_text = st.text(
    alphabet=st.sampled_from(
        [
            *"ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیءآأ ۰۱۲۳۴۵۶۷۸۹0123456789.،:«»",
            *(ZWNJ, "\u00a0", "\t", "\u064a", "\u0643", "e", "\u0301"),
        ]
    ),
    max_size=80,
)


def test_rules_of_format_md():
    assert normalize_line("  علي   كتاب\u00a0ها \t") == "علی کتاب ها"
    assert normalize_line("می\u200cکند") == "می\u200cکند"  # ZWNJ kept by default
    assert normalize_line("می\u200cکند", strip_zwnj=True) == "میکند"
    assert normalize_line("e\u0301") == "\u00e9"  # NFC


@given(persian_text)
def test_normalisation_is_idempotent(text):
    once = normalize_line(text)
    assert normalize_line(once) == once
    stripped = normalize_line(text, strip_zwnj=True)
    assert normalize_line(stripped, strip_zwnj=True) == stripped


@given(persian_text)
def test_normalised_text_obeys_the_format(text):
    line = normalize_line(text)
    assert "\u064a" not in line and "\u0643" not in line
    assert "  " not in line and line == line.strip()
    assert line.count(ZWNJ) == text.count(ZWNJ)
    assert ZWNJ not in normalize_line(text, strip_zwnj=True)


@given(st.lists(persian_text, max_size=6))
def test_paragraphs_are_never_empty(lines):
    assert all(normalize_paragraphs(lines))


@given(st.integers(min_value=0, max_value=10**12))
def test_digit_conversion_round_trips(number):
    assert to_ascii_digits(to_persian_digits(str(number))) == str(number)
