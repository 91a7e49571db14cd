"""Page chrome for the benchmark corpus: what a real news page carries besides its article.

The article fixtures are heavy in bytes (90-125 KB) but light in what plain trafilatura
pays for: 14-32 KB of a fixture is one inline ``<style>`` block, which trafilatura drops in
one step, and their chrome holds only 3,500-8,000 characters of text. Real pages link most
of their CSS and carry many more teaser lists, nested layout wrappers and reader comments
(see bench/README.md, "What plain trafilatura's cost depends on", and ``bench/page_cost.py``
which measures each factor). ``Chrome`` adds those, in neutral markup (no class or tag any
outlet's layout selects, no ``h1``), at the end of the page body, after the article, so the
spider's first-match selectors still find the article's own parts.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from html import escape

_STYLE = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.S)
# A percent-encoded Persian slug as the outlets' teaser links carry (~60 bytes of 300).
_SLUG = (
    "%D8%A7%D8%B9%D9%84%D8%A7%D9%85-%D9%86%D8%AA%D8%A7%DB%8C%D8%AC-%D9%86%D9%87%D8%A7%DB%8C%DB%8C"
)
_WRAPPER_CLASSES = ("container", "row", "col-md-4 col-sm-6 col-xs-12", "inner", "box-wrap")


@dataclass(frozen=True)
class Chrome:
    """How much chrome a page gets, as counts (all zero/None: the fixture as it is)."""

    link_boxes: int = 0  # teaser boxes ("most viewed", "latest", per-service lists)
    box_items: int = 10  # teasers per box: <li><a><img><span>title</span></a><span>date
    wrapper_depth: int = 0  # layout <div>s around each box (container, row, col, ...)
    comments: int = 0  # reader comments in a thread (every third one a reply)
    menu_links: int = 0  # short links of a two-level menu (services, sections, tags)
    inline_css_kb: float | None = None  # inline <style> text kept, KB (None: all of it)
    script_kb: float = 0  # inline script (JSON state, ad code) added, KB

    def apply(self, html: str, words: list[str], rng: random.Random) -> str:
        """``html`` with this chrome: its inline CSS cut to the budget, boxes and comments
        (text drawn from ``words``) inserted before ``</body>``."""
        if self.inline_css_kb is not None:
            html = _trim_styles(html, int(self.inline_css_kb * 1024))
        parts = [self._menu(words, rng)] if self.menu_links else []
        parts += [self._box(words, rng) for _ in range(self.link_boxes)]
        if self.comments:
            parts.append(self._comments(words, rng))
        if self.script_kb:
            parts.append(_script(int(self.script_kb * 1024), rng))
        end = html.rfind("</body>")
        if end < 0:
            end = len(html)
        return html[:end] + "\n".join(parts) + html[end:]

    def _box(self, words: list[str], rng: random.Random) -> str:
        items = "".join(
            f'<li class="item"><a href="/fa/news/{rng.randrange(10**6, 10**7)}/{_SLUG}" '
            f'title="{_phrase(words, rng, 7)}">'
            f'<img src="/files/fa/news/1403/1/{rng.randrange(10**5)}.jpg" alt="" loading="lazy">'
            f'<span class="item-text">{_phrase(words, rng, 9)}</span>'
            f'</a><span class="item-date">{_date(rng)}</span></li>'
            for _ in range(self.box_items)
        )
        box = (
            f'<section class="box"><div class="box-head"><span>{_phrase(words, rng, 2)}</span>'
            f'</div><ul class="box-list">{items}</ul></section>'
        )
        for level in range(self.wrapper_depth):
            box = f'<div class="{_WRAPPER_CLASSES[level % len(_WRAPPER_CLASSES)]}">{box}</div>'
        return box

    def _menu(self, words: list[str], rng: random.Random) -> str:
        groups = []
        for start in range(0, self.menu_links, 12):
            links = "".join(
                f'<li class="menu-item"><a class="menu-link" '
                f'href="/fa/service/{rng.randrange(999)}">{_phrase(words, rng, 1)}</a></li>'
                for _ in range(min(12, self.menu_links - start))
            )
            groups.append(
                f'<li class="menu-group"><a href="/fa/service/{rng.randrange(999)}">'
                f'{_phrase(words, rng, 1)}</a><ul class="submenu">{links}</ul></li>'
            )
        return f'<div class="menu-wrap"><ul class="menu">{"".join(groups)}</ul></div>'

    def _comments(self, words: list[str], rng: random.Random) -> str:
        items = []
        for number in range(self.comments):
            reply = " comment-reply" if number % 3 == 2 else ""
            items.append(
                f'<div class="comment-item{reply}" id="comment_{rng.randrange(10**6)}">'
                f'<div class="comment-info"><span class="comment-name">{_phrase(words, rng, 2)}'
                f'</span><span class="comment-date">{_date(rng)}</span></div>'
                f'<div class="comment-text">{_phrase(words, rng, rng.randrange(8, 50))}</div>'
                '<div class="comment-vote"><a href="#" class="like">۱۲</a>'
                '<a href="#" class="dislike">۳</a><a href="#comment_form">پاسخ</a></div></div>'
            )
        return f'<div class="comments"><div class="comments-list">{"".join(items)}</div></div>'


def _trim_styles(html: str, budget: int) -> str:
    """Inline ``<style>`` text cut to ``budget`` bytes in all (the rest as linked CSS)."""
    left = budget

    def cut(match: re.Match) -> str:
        nonlocal left
        text = match.group(2)
        kept = text[: max(left, 0)]
        left -= len(kept)
        # Keep whole rules only.
        kept = kept[: kept.rfind("}") + 1] if "}" in kept else ""
        return match.group(1) + kept + match.group(3)

    return _STYLE.sub(cut, html)


def _script(size: int, rng: random.Random) -> str:
    entries = []
    while sum(map(len, entries)) < size:
        entries.append(f'{{"id":{rng.randrange(10**7)},"slot":"ad-{rng.randrange(99)}","w":300}}')
    return f"<script>window.__STATE__=[{','.join(entries)}];</script>"


def _phrase(words: list[str], rng: random.Random, count: int) -> str:
    start = rng.randrange(max(len(words) - count, 1))
    return escape(" ".join(words[start : start + count]))


def _date(rng: random.Random) -> str:
    digits = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
    return f"{rng.randrange(1, 29):02}/{rng.randrange(1, 13):02}/1403".translate(digits)
