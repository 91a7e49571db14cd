"""The article of a page that none of its outlet's layouts matches (a redesign, a page
type nobody declared): found by structure, not handed whole to trafilatura.

1. The page chrome goes first: header, footer, nav, sidebars, menus, comment threads,
   related/most-viewed boxes, and every block whose link text outweighs its other text —
   unless it holds the title.
2. The title is the ``<h1>`` that the page's own metadata (``og:title``, ``<title>``) names,
   else the first ``<h1>`` left.
3. The article block is the smallest element after the title that holds most of the
   paragraph text that follows the title (text density), so that teasers before the title
   and what is left of the page after the article do not count.

The block is then cleaned and extracted like a layout's body container.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from lxml import etree

from newscrawl.body_cleaning import led_by_box_heading
from newscrawl.text import normalize_line
from newscrawl.tree import class_and_id, inside, remove_keeping_tail, text_length

# Never the article, on any news site; a class or id containing one of these names a box.
CHROME_TAGS = ("header", "footer", "nav", "aside", "form", "script", "style", "noscript")
CHROME_NAMES = (
    "menu",
    "navbar",
    "sidebar",
    "side-bar",
    "side_bar",
    "footer",
    "ticker",
    "marquee",
    "breaking",
    "related",
    "most",
    "popular",
    "comment",
    "share",
    "social",
    "banner",
    "advert",
    "newsletter",
    "poll",
    "tags",
)
# Paragraph-like elements whose text counts towards an article block.
_PARAGRAPH_TAGS = ("p", "div", "li", "h2", "h3", "h4", "blockquote", "td")
_PARAGRAPH_MIN_CHARS = 25
# The share of the text after the title an article block must hold.
_BLOCK_SHARE = 0.75
# A block whose links carry more than this share of its text is a link list.
_LINK_SHARE = 0.5


@dataclass(frozen=True)
class FallbackArticle:
    block: etree._Element  # the article block, in a cleaned copy of the page
    title: str
    lead: etree._Element | None  # a lead-like element between the title and the block


def find_article(root: etree._Element, meta_title: str | None) -> FallbackArticle | None:
    """The article block of a page, or None when the page has no title and text to offer."""
    page = copy.deepcopy(root)
    body = page.find("body")
    if body is None:
        body = page
    title_node = _title_node(body, meta_title)
    _drop_chrome(body, keep=title_node)
    if title_node is None or not inside(title_node, page):
        title_node = _title_node(body, meta_title)
    if title_node is None:
        return None
    title = normalize_line("".join(title_node.itertext()))
    block = _densest_block(body, title_node)
    if block is None:
        return None
    lead = _lead_after(body, title_node, block)
    _strip_header(block, (title_node, lead))
    return FallbackArticle(block, title, lead)


def _title_node(body: etree._Element, meta_title: str | None) -> etree._Element | None:
    """The ``<h1>`` the page's metadata names; else another heading or title-like element
    that it names (older themes make the logo the ``<h1>``); else the first ``<h1>``."""
    headings = [h for h in body.iter("h1") if normalize_line("".join(h.itertext()))]
    if meta_title:
        wanted = normalize_line(meta_title, strip_zwnj=True)
        for tags in (("h1",), _TITLE_LIKE_TAGS):
            for heading in body.iter(*tags):
                text = normalize_line("".join(heading.itertext()), strip_zwnj=True)
                if len(text) >= _TITLE_MIN_CHARS and (
                    text in wanted or (wanted in text and len(text) <= len(wanted) + 40)
                ):
                    return heading
    return headings[0] if headings else None


_TITLE_LIKE_TAGS = ("h2", "h3", "div", "span", "p", "strong", "b", "td")
_TITLE_MIN_CHARS = 8


def _is_chrome(node: etree._Element) -> bool:
    if node.tag in CHROME_TAGS:
        return True
    names = class_and_id(node)
    return any(name in names for name in CHROME_NAMES)


def _link_dense(node: etree._Element) -> bool:
    total = text_length(node)
    if total == 0:
        return False
    links = sum(text_length(a) for a in node.iter("a"))
    return links > _LINK_SHARE * total


def contains(node: etree._Element, other: etree._Element | None) -> bool:
    """Whether ``other`` (if any) is ``node`` or lies inside it."""
    return other is not None and inside(other, node)


def _drop_chrome(body: etree._Element, keep: etree._Element | None) -> None:
    for node in list(body.iter()):
        if not isinstance(node.tag, str) or node is body or not inside(node, body):
            continue
        if contains(node, keep):
            continue
        if (
            _is_chrome(node)
            or led_by_box_heading(node)
            or (
                node.tag in ("div", "ul", "ol", "section", "table", "aside", "td", "p")
                and _link_dense(node)
            )
        ):
            remove_keeping_tail(node)


def _densest_block(body: etree._Element, title: etree._Element) -> etree._Element | None:
    """The deepest element holding ``_BLOCK_SHARE`` of the paragraph text after the title."""
    after = _following(body, title)
    weights: dict[etree._Element, int] = {}
    total = 0
    for node in after:
        if node.tag not in _PARAGRAPH_TAGS:
            continue
        own = _own_text_length(node)
        if own < _PARAGRAPH_MIN_CHARS:
            continue
        total += own
        for ancestor in (node, *node.iterancestors()):
            weights[ancestor] = weights.get(ancestor, 0) + own
            if ancestor is body:
                break
    if total == 0:
        return None
    best = body
    while True:
        heavier = [c for c in best if weights.get(c, 0) >= _BLOCK_SHARE * total]
        if not heavier:
            return best
        best = heavier[0]


def _following(body: etree._Element, title: etree._Element) -> list[etree._Element]:
    """The elements after ``title`` in document order (not inside it)."""
    nodes = []
    seen_title = False
    for node in body.iter():
        if node is title:
            seen_title = True
            continue
        if seen_title and isinstance(node.tag, str) and not contains(title, node):
            nodes.append(node)
    return nodes


def _own_text_length(node: etree._Element) -> int:
    """Text directly in ``node`` (its text and its inline children's), not in nested blocks."""
    parts = [node.text or ""]
    for child in node:
        if isinstance(child.tag, str) and child.tag not in _PARAGRAPH_TAGS:
            parts.append("".join(child.itertext()))
        parts.append(child.tail or "")
    return len(normalize_line("".join(parts)))


_LEAD_NAMES = ("lead", "subtitle", "summary", "intro", "excerpt", "abstract", "teaser")
# Boxes of an article's head (title box, uptitle, date line, code, byline) by class or id.
_HEADER_NAMES = (
    *_LEAD_NAMES,
    "title",
    "rutitr",
    "kicker",
    "date",
    "time",
    "code",
    "author",
    "byline",
    "info",
    "toolbar",
    "header",
    "head",
)
_HEADER_MAX_CHARS = 400
# A line of the article's metadata, "کد خبر: ۲۸۳۴۰۲", "سرویس : عکس", "نویسنده: …".
_META_LINE = re.compile(
    r"^(?:کد خبر|شناسه خبر|تاریخ انتشار|زمان انتشار|سرویس|نویسنده|خبرنگار|عکاس|منبع)\s*[:：]"
)
_META_LINE_MAX_CHARS = 80
_LEAD_MAX_SHARE = 0.5


def _lead_after(
    body: etree._Element, title: etree._Element, block: etree._Element
) -> etree._Element | None:
    """The first lead-named element after the title that is not most of the block's text."""
    block_text = text_length(block)
    for node in _following(body, title):
        if any(name in class_and_id(node) for name in _LEAD_NAMES):
            length = text_length(node)
            if 0 < length <= _LEAD_MAX_SHARE * block_text and not contains(node, block):
                return node
    return None


def _strip_header(block: etree._Element, parts: tuple[etree._Element | None, ...]) -> None:
    """Take the article's head out of its block: the title, the lead and the short boxes
    named as head parts (uptitle, date line, code, byline)."""
    for part in parts:
        if part is not None and part is not block and contains(block, part):
            remove_keeping_tail(part)
    for node in list(block.iterdescendants()):
        if not isinstance(node.tag, str) or not inside(node, block):
            continue
        length = text_length(node)
        if (
            node.tag == "header"
            or (
                any(name in class_and_id(node) for name in _HEADER_NAMES)
                and length <= _HEADER_MAX_CHARS
            )
            or (length <= _META_LINE_MAX_CHARS and _META_LINE.match(_text(node)))
        ):
            remove_keeping_tail(node)


def _text(node: etree._Element) -> str:
    return normalize_line("".join(node.itertext()))
