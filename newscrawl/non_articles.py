"""Pages that are not articles: CDN challenges, soft 404s, listings.

What every outlet shares lives here; an outlet adds its own soft-404 selectors in its
spider (``soft_404``).
"""

from __future__ import annotations

import re

from scrapy.http import Response, TextResponse

# ArvanCloud (and the like) answer with a small JavaScript page that sets a cookie and
# reloads. These strings belong to the challenge machinery itself.
CHALLENGE_MARKERS = (
    b"__arcsjs",
    b"ar-challenge",
    b"arvan-challenge",
    b"cf-chl",
    b"challenge-platform",
)
# These also appear on ordinary pages (a CDN's name in an asset URL, a phrase in an
# article): they mark a challenge only on a tiny page.
WEAK_CHALLENGE_MARKERS = (b"arvancloud", b"just a moment...")
WEAK_CHALLENGE_MAX_BYTES = 16 * 1024
# A real article page is far larger; a challenge page is a few KB.
CHALLENGE_MAX_BYTES = 64 * 1024

# Soft-404 texts shown with HTTP 200 (normalised: Persian ی ک).
SOFT_404_PHRASES = (
    "صفحه درخواستی شما موجود نمی باشد",
    "صفحه درخواستی شما موجود نمی‌باشد",
    "صفحه مورد نظر یافت نشد",
    "صفحه مورد نظر شما یافت نشد",
    "خبر مورد نظر یافت نشد",
    "خبر مورد نظر موجود نیست",
    "صفحه مورد نظر وجود ندارد",
    "مطلب مورد نظر یافت نشد",
)

# A page listing this many distinct articles, with no article layout, is a listing.
LISTING_MIN_ARTICLE_LINKS = 8


def is_cdn_challenge(response: Response) -> bool:
    body = response.body
    if len(body) > CHALLENGE_MAX_BYTES:
        return False
    head = body.lower()
    if any(marker in head for marker in CHALLENGE_MARKERS):
        return True
    return len(body) <= WEAK_CHALLENGE_MAX_BYTES and any(m in head for m in WEAK_CHALLENGE_MARKERS)


def is_html(response: Response) -> bool:
    """A text response whose body is markup, not binary bytes sent as text/html."""
    if not isinstance(response, TextResponse):
        return False
    sample = response.body[:2048]
    return b"\x00" not in sample and b"<" in sample


# A whole page closes its <body> or <html>; one cut off (a server that died mid-page, a
# broken cache) does not. lxml repairs the markup silently, so the bytes are checked.
_DOCUMENT_END = re.compile(rb"</(?:body|html)\s*>", re.IGNORECASE)


# Where a whole page's closing tags are looked for first: its end (what follows them, if
# anything, is a few scripts), not 100-200 KB of markup from the start.
_END_WINDOW = 16 * 1024


def is_truncated(response: Response) -> bool:
    """An HTML page that stops before its end: what it holds of the article may be partial."""
    body = response.body
    if _DOCUMENT_END.search(body, max(0, len(body) - _END_WINDOW)) is not None:
        return False
    return _DOCUMENT_END.search(body) is None


def has_soft_404_text(text: str) -> bool:
    return any(phrase in text for phrase in SOFT_404_PHRASES)
