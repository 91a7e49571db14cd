"""Text normalisation of the seed format (see README, "Text format")."""

from __future__ import annotations

import re
import unicodedata

ZWNJ = "\u200c"

# Arabic-form letters that Persian text must use in their Persian form.
_ARABIC_TO_PERSIAN = str.maketrans({"\u064a": "\u06cc", "\u0643": "\u06a9"})  # ي→ی, ك→ک
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_TO_ASCII_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
# Every horizontal whitespace (tabs, NBSP, thin spaces...) counts as a space; newlines do not.
_SPACES = re.compile(r"[^\S\n]+")


def normalize_line(text: str, *, strip_zwnj: bool = False) -> str:
    """Normalise one line: NFC, ي ك → ی ک, spaces collapsed and trimmed, ZWNJ kept or stripped."""
    # ZWNJ goes before NFC: removing it later could leave a composable pair ("ا" + ZWNJ +
    # madda), and normalising twice would then differ from normalising once.
    if strip_zwnj:
        text = text.replace(ZWNJ, "")
    text = unicodedata.normalize("NFC", text).translate(_ARABIC_TO_PERSIAN)
    text = _SPACES.sub(" ", text.replace("\n", " "))
    return text.strip()


def normalize_paragraphs(lines: list[str], *, strip_zwnj: bool = False) -> list[str]:
    """Normalise each paragraph and drop the ones left empty."""
    out = (normalize_line(line, strip_zwnj=strip_zwnj) for line in lines)
    return [line for line in out if line]


def normalize_optional(text: str | None, *, strip_zwnj: bool = False) -> str | None:
    """Normalise a metadata field; empty becomes None."""
    if text is None:
        return None
    return normalize_line(text, strip_zwnj=strip_zwnj) or None


def to_persian_digits(text: str) -> str:
    return text.translate(_PERSIAN_DIGITS)


def to_ascii_digits(text: str) -> str:
    """Persian (۰-۹) and Arabic-Indic (٠-٩) digits to ASCII."""
    return text.translate(_TO_ASCII_DIGITS)
