"""Article page → item fields, with no crawler: the parser the spiders call.

    from newscrawl.article import parse_html
    from spiders.kayhan import KayhanSpider
    article = parse_html(url, html_bytes, KayhanSpider)   # raises Skip for a non-article
    article.fields["title"], article.fields["body"], article.text

Stages, each a function of its own:

1. ``find_article``: the first of the outlet's layouts whose title and body container are
   on the page, and the article block that holds both (``newscrawl.layout``); else the
   structural fallback (``newscrawl.fallback``) — never the whole page;
2. ``extract``: every field looked up inside the article block (``newscrawl.article_block``:
   a field the block lacks is None, never taken from a teaser elsewhere on the page), the
   body cleaned (``newscrawl.body_cleaning``) and extracted by trafilatura
   (``newscrawl.extraction``), the publication time chosen (``newscrawl.published``);
3. ``normalise``: the text rules of the seed format (``newscrawl.text``), repeated and
   duplicated paragraphs, then the outlet's own per-field rules (``rule_<field>``
   classmethods in its spider file, as Fundus's per-publisher ``@attribute`` methods);
4. ``render``: the seed-format document (``newscrawl.document``).

What the spider needs to count or log comes back as ``notes`` (``newscrawl.notes``).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from typing import Any, ClassVar, Protocol
from urllib.parse import urljoin

from lxml import etree
from scrapy.http import HtmlResponse, Request, Response

from newscrawl.article_block import HEAD_IMAGE, ArticleScope, album_images, hidden, in_box
from newscrawl.document import render_document
from newscrawl.extraction import ExtractedBody, extract_body
from newscrawl.fallback import find_article as find_fallback_article
from newscrawl.html_tree import parse_page
from newscrawl.layout import SHARED_BODY_DROP, Layout, Selectors, compile_drops
from newscrawl.non_articles import (
    LISTING_MIN_ARTICLE_LINKS,
    has_soft_404_text,
    is_cdn_challenge,
    is_html,
    is_truncated,
)
from newscrawl.notes import Note, Skip
from newscrawl.published import DATE_LABEL, choose_published, shown_date
from newscrawl.selection import Page, node_text
from newscrawl.text import normalize_line, normalize_optional, normalize_paragraphs, to_ascii_digits
from newscrawl.tree import common_ancestor, depth, inside, text_length
from newscrawl.urls import canonical_url, on_canonical_host, on_domains, url_code

FALLBACK = "fallback"
# A paragraph this long that comes again word for word is a copy (a hidden mobile version of
# the article inside the container, a pull quote), never new text.
REPEAT_MIN_CHARS = 40
# An article code as it may reach a file name (pipelines/text_files.py refuses others too).
_PLAUSIBLE_CODE = re.compile(r"[0-9]{1,20}")
HOME_CRUMBS = frozenset({"صفحه نخست", "خانه", "صفحه اصلی", "خبرگزاری", "Home"})
_DIGITS = re.compile(r"\d+")
_AUTHOR_LABEL = re.compile(r"^[^:：]{1,24}[:：]\s*")
# A body shorter than this (all paragraphs) is no article: a stub, or a box mistaken for one.
MIN_BODY_CHARS = 25
MIN_FALLBACK_BODY_CHARS = 80
_FALLBACK_META: dict[str, str] = {
    "title": "meta[property='og:title']::attr(content)",
    "image": "meta[property='og:image']::attr(content)",
    "page_title": "title",
}


class OutletDeclaration(Protocol):
    """What the parser reads of an outlet (its spider class, ``spiders/<outlet>.py``)."""

    name: ClassVar[str]
    domain: ClassVar[str]
    article_url: ClassVar[re.Pattern[str]]
    canonical_url: ClassVar[str]
    canonical_host: ClassVar[str]
    layouts: ClassVar[tuple[Layout, ...]]
    soft_404: ClassVar[Selectors]
    allowed_domains: ClassVar[tuple[str, ...]]


@dataclass(frozen=True)
class ArticleMatch:
    """Where the article is on a page: its layout (or the fallback), block, body container
    and title."""

    layout: Layout | None  # None: the structural fallback
    block: etree._Element
    container: etree._Element
    title: str
    lead_node: etree._Element | None = None  # the fallback's lead, when it found one

    @property
    def layout_name(self) -> str:
        return self.layout.name if self.layout else FALLBACK


@dataclass
class Article:
    """A parsed article: the item's fields, its seed-format document and what was noted."""

    fields: dict[str, Any]
    published: datetime | None
    paragraphs: list[str]
    layout: str
    text: str = ""
    notes: list[Note] = field(default_factory=list)


# --- the parser -----------------------------------------------------------------------------
def parse_html(url: str, html: bytes | str, outlet: OutletDeclaration, **options: Any) -> Article:
    """``parse_response`` on a page's HTML served at ``url`` with HTTP 200 (bytes are
    decoded as the page declares): a CDN challenge or a cut-off page is refused as in a
    crawl."""
    body = html.encode("utf-8") if isinstance(html, str) else html
    response = HtmlResponse(url, body=body, request=Request(url))
    return parse_response(response, outlet, **options)


def parse_response(response: Response, outlet: OutletDeclaration, **options: Any) -> Article:
    """``parse_article`` on a fetched (or saved) response, once the response itself is
    known to be an HTML page: not a CDN challenge, an error status, bytes that are not
    markup, or a page cut off before its end."""
    if is_cdn_challenge(response):
        raise Skip("cdn_challenge", f"HTTP {response.status}")
    if response.status != 200:
        raise Skip(f"http_{response.status}")
    if not is_html(response):
        raise Skip("not_html", response.headers.get("Content-Type", b"").decode())
    if is_truncated(response):
        raise Skip("truncated", f"no </body> or </html> in {len(response.body)} bytes")
    request_url = response.request.url if response.request else ""
    options.setdefault("request_url", request_url)
    return parse_article(response.url, parse_page(response), outlet, **options)


def parse_article(
    url: str,
    root: etree._Element,
    outlet: OutletDeclaration,
    *,
    request_url: str = "",
    strip_zwnj: bool = False,
    fetched_at: str | None = None,
    notes: list[Note] | None = None,
) -> Article:
    """The article on the page at ``url`` (parsed into ``root``), by ``outlet``'s
    declaration. Raises Skip for a page that is not an article (soft 404, listing, no
    title, empty body, code that contradicts the URL...)."""
    page = Page(root, outlet.name)
    notes = [] if notes is None else notes  # filled even when Skip is raised
    match = find_article(page, outlet)
    if match is None:
        # Only a page no layout matches can be the "not found" page: the selectors of a
        # soft 404 need not run on every article.
        if any(page.exists(s) for s in outlet.soft_404):
            raise Skip("soft_404")
        text = normalize_line(" ".join(page.select("//body//text()")))
        if has_soft_404_text(text[:5000]) and not page.exists("article"):
            raise Skip("soft_404")
        listing_links = _listing_links(url, page, outlet)
        if listing_links is not None:
            raise Skip("listing", f"{listing_links} article links, no article layout")
        match = find_fallback(page)
        if match is None:
            raise Skip("no_title", "no layout matches, and no title and text on the page")
        notes.append(
            Note(
                "extract/fallback",
                f"No {outlet.name} layout matches {url}: structural fallback",
                logging.WARNING,
            )
        )
    # An article page (a layout or the fallback found one): the base of the fallback share.
    notes.append(
        Note("extract/articles", f"Article page {url}: {match.layout_name}", logging.DEBUG)
    )
    raw = extract(url, request_url, page, match, outlet, notes)
    article = normalise(raw, outlet, match, strip_zwnj=strip_zwnj, notes=notes, url=url)
    article.fields["fetched_at"] = fetched_at
    article.text = render(article, outlet)
    return article


def _listing_links(url: str, page: Page, outlet: OutletDeclaration) -> int | None:
    """How many other articles a page links, if it looks like a listing rather than an
    article: not at an article URL, or linking many articles without saying it is one."""
    own = url_code(outlet, url)
    linked = {url_code(outlet, _urljoin(url, href)) for href in page.select("a::attr(href)")}
    linked -= {None, own}
    looks_like_listing = own is None or len(linked) >= LISTING_MIN_ARTICLE_LINKS
    if looks_like_listing and not page.exists("meta[property='og:type'][content='article']"):
        return len(linked)
    return None


def find_article(page: Page, outlet: OutletDeclaration) -> ArticleMatch | None:
    """The first declared layout whose body container and title are on the page, with the
    article block that holds them."""
    for layout in outlet.layouts:
        found = match_layout(page, layout)
        if found is not None:
            return found
    return None


def match_layout(page: Page, layout: Layout) -> ArticleMatch | None:
    """The layout's article on the page: of the containers the first body selector finds
    (not in a teaser box, with a title near), the one with the most text — a hidden mobile
    copy of the body, or an empty one, may come first — not counting hidden ones while a
    shown one exists."""
    for selector in layout.body:
        containers = [
            n
            for n in page.select(selector)
            if isinstance(n, etree._Element) and not in_box(n, page.root)
        ]
        if not containers:
            continue
        shown = [c for c in containers if not hidden(c)]
        found = []
        for container in shown or containers:
            title = _nearest_title(page, layout, container)
            if title is not None:
                found.append((container, *title))
        if not found:
            return None  # the first selector that finds a container decides
        # (Measuring each container's text walks it: only when there is a choice.)
        best = found[0] if len(found) == 1 else max(found, key=lambda f: text_length(f[0]))
        container, title_node, title_text = best
        block = _widen(page, layout, common_ancestor(title_node, container))
        return ArticleMatch(layout, block, container, title_text)
    return None


def find_fallback(page: Page) -> ArticleMatch | None:
    meta_title = _first_text_on_page(page, (_FALLBACK_META["title"], _FALLBACK_META["page_title"]))
    found = find_fallback_article(page.root, meta_title)
    if found is None:
        return None
    return ArticleMatch(None, found.block, found.block, found.title, found.lead)


def _nearest_title(
    page: Page, layout: Layout, container: etree._Element
) -> tuple[etree._Element, str] | None:
    """The title element that shares the deepest ancestor with the body container (the
    article's own, not a teaser's or the logo's); ties go to the earlier selector."""
    best: tuple[int, int, etree._Element, str] | None = None
    for rank, selector in enumerate(layout.title):
        for node in page.select(selector):
            element = node if isinstance(node, etree._Element) else None
            if element is None or inside(element, container) or inside(container, element):
                continue
            text = normalize_optional(node_text(element))
            if not text:
                continue
            shared = depth(common_ancestor(element, container))
            if best is None or (shared, -rank) > (best[0], -best[1]):
                best = (shared, rank, element, text)
    return (best[2], best[3]) if best else None


def _widen(page: Page, layout: Layout, ancestor: etree._Element) -> etree._Element:
    """``ancestor`` widened to the nearest article-block element around it, if any."""
    test = layout.block_test
    for node in chain((ancestor,), ancestor.iterancestors()):
        if node.xpath(test):
            return node
    return ancestor


# --- stage 2: extraction ----------------------------------------------------------------
@dataclass
class RawArticle:
    """Fields as found on the page, not yet normalised."""

    code: str
    url: str
    title: str
    uptitle: str | None
    lead: str | None
    body: ExtractedBody
    published: datetime | None
    published_text: str | None
    published_source: str | None
    category: list[str]
    tags: list[str]
    author: str | None
    images: list[str]


def extract(
    url: str,
    request_url: str,
    page: Page,
    match: ArticleMatch,
    outlet: OutletDeclaration,
    notes: list[Note],
) -> RawArticle:
    layout = match.layout
    scope = ArticleScope(match.block, match.container, page)
    code = _code(outlet, url, request_url, scope, layout)
    if layout is None:
        body = extract_body(match.container, fallback_drop(outlet), foreign_links(outlet, url))
        lead = node_text(match.lead_node) if match.lead_node is not None else None
        image = _first_text_on_page(page, (_FALLBACK_META["image"],))
        lead_images: list[str] = [image] if image else []
        uptitle = visible_date = author = None
        category: list[str] = []
        tags: list[str] = []
        gallery: list[str] = []
    else:
        body = extract_body(match.container, layout.drop_xpaths, foreign_links(outlet, url))
        uptitle = scope.first_text(layout.uptitle, before_body=True)
        lead = scope.first_text(layout.lead, before_body=True)
        visible_date = shown_date(scope, layout.date)
        author = scope.first_text(layout.author)
        category = scope.texts(layout.category) or _texts_on_page(page, layout.category)
        tags = scope.texts(layout.tags) or _texts_on_page(page, layout.tags)
        lead_images = scope.image_sources(layout.lead_image, first_selector_only=True)
        if not lead_images:  # the image of the article's head, however it is marked up
            lead_images = scope.image_sources(HEAD_IMAGE, first_selector_only=True, before=True)
        gallery = scope.image_sources(layout.gallery) or album_images(
            scope, foreign_links(outlet, url)
        )
    shown = normalize_optional(DATE_LABEL.sub("", visible_date)) if visible_date else None
    published, source = choose_published(url, shown, page, match.block, notes)
    canonical = canonical_url(outlet, url, request_url, _page_canonical(url, page))
    return RawArticle(
        code=code,
        url=canonical or on_canonical_host(outlet, url),
        title=match.title,
        uptitle=uptitle,
        lead=lead,
        body=body,
        published=published,
        published_text=shown,
        published_source=source,
        category=category,
        tags=tags,
        author=normalize_optional(_AUTHOR_LABEL.sub("", author)) if author else None,
        images=_absolute_once(url, (*lead_images, *body.image_sources, *gallery)),
    )


def foreign_links(outlet: OutletDeclaration, url: str) -> Callable[[str], bool]:
    """Whether a link on the page at ``url`` leads away from its article: off the outlet's
    domains (a channel, an advertiser) or to another of its articles (a teaser)."""
    own = url_code(outlet, url)
    domains = tuple(outlet.allowed_domains)

    def foreign(href: str) -> bool:
        href = href.strip()
        if not href or href.startswith(("#", "javascript:", "data:")):
            return False
        absolute = urljoin(url, href)
        if not on_domains(domains, absolute):
            return True
        code = url_code(outlet, absolute)
        return code is not None and code != own

    return foreign


@functools.cache
def fallback_drop(outlet: OutletDeclaration) -> tuple[etree.XPath, ...]:
    """What the fallback drops from its block: the shared boxes and every box the outlet's
    layouts know (its in-body ads have the same names whatever the design)."""
    selectors = dict.fromkeys(
        (*SHARED_BODY_DROP, *(s for layout in outlet.layouts for s in layout.drop))
    )
    return compile_drops(tuple(selectors))


def _code(
    outlet: OutletDeclaration,
    url: str,
    request_url: str,
    scope: ArticleScope,
    layout: Layout | None,
) -> str:
    url_found = url_code(outlet, url) or url_code(outlet, request_url)
    shown = to_ascii_digits(" ".join(scope.texts(layout.code))) if layout else ""
    page_code = next(iter(_DIGITS.findall(shown)), None)
    if url_found and page_code and url_found != page_code:
        raise Skip("code_mismatch", f"URL says {url_found}, page says {page_code}")
    code = url_found or page_code
    if not code:
        raise Skip("no_code")
    if not _PLAUSIBLE_CODE.fullmatch(code):  # absurdly long, or digits of another script
        raise Skip("bad_code", f"{code[:40]}… ({len(code)} characters)")
    return code


def _page_canonical(url: str, page: Page) -> str:
    """The page's own canonical URL (``<link rel=canonical>``, else ``og:url``)."""
    for selector in ("link[rel='canonical']::attr(href)", "meta[property='og:url']::attr(content)"):
        href = next(iter(page.select(selector)), None)
        if href and href.strip():
            return _urljoin(url, href)
    return ""


def _urljoin(base: str, href: str) -> str:
    return urljoin(base, href.strip())


def _absolute_once(url: str, sources: tuple[str, ...]) -> list[str]:
    urls: list[str] = []
    for src in sources:
        src = src.strip()
        if src and not src.startswith("data:"):
            absolute = _urljoin(url, src)
            if absolute not in urls:
                urls.append(absolute)
    return urls


def _texts_on_page(page: Page, selectors: Selectors) -> list[str]:
    for selector in selectors:
        texts = [t for t in (node_text(n) for n in page.select(selector)) if t.strip()]
        if texts:
            return texts
    return []


def _first_text_on_page(page: Page, selectors: Selectors) -> str | None:
    texts = _texts_on_page(page, selectors)
    return normalize_optional(texts[0]) if texts else None


# --- stage 3: normalisation -------------------------------------------------------------
def normalise(
    raw: RawArticle,
    outlet: OutletDeclaration,
    match: ArticleMatch,
    *,
    strip_zwnj: bool,
    notes: list[Note],
    url: str,
) -> Article:
    def line(text: str | None) -> str | None:
        return normalize_optional(text, strip_zwnj=strip_zwnj)

    title = line(raw.title) or ""
    uptitle, lead = line(raw.uptitle), line(raw.lead)
    paragraphs = normalize_paragraphs(raw.body.paragraphs, strip_zwnj=strip_zwnj)
    paragraphs, dropped = without_repeats(paragraphs)
    if dropped:
        notes.append(
            Note(
                "extract/repeated_paragraphs",
                f"Dropped {dropped} repeated paragraphs (a copy) on {url}",
                count=dropped,
            )
        )
    # Some CMSs repeat the lead or title as the body's first paragraph.
    while paragraphs and paragraphs[0] in (lead, title):
        paragraphs.pop(0)
    crumbs = [c for c in _clean_list(raw.category, strip_zwnj) if c not in HOME_CRUMBS]
    fields: dict[str, Any] = {
        "outlet": outlet.name,
        "code": raw.code,
        "url": raw.url,
        "title": title,
        "uptitle": uptitle,
        "lead": lead,
        "body": paragraphs,
        "published": raw.published.isoformat() if raw.published else None,
        "published_text": raw.published_text,
        "published_source": raw.published_source,
        "category": crumbs[-1] if crumbs else None,
        "tags": _clean_list(raw.tags, strip_zwnj),
        "author": line(raw.author),
        "images": raw.images,
    }
    for name in list(fields):
        rule = getattr(outlet, f"rule_{name}", None)
        if rule is not None:
            fields[name] = rule(fields[name], match)
    paragraphs = fields["body"]
    if not title:
        raise Skip("no_title")
    # Checked last: a body holding only its lead is empty too. A photo news (two images
    # of its own or more) may have no more text than its sign-off or credit line; the
    # fallback, less sure of its block, needs some prose.
    chars = sum(len(p) for p in paragraphs)
    photo_news = bool(paragraphs) and len(raw.images) >= 2 and match.layout is not None
    if chars < (MIN_BODY_CHARS if match.layout else MIN_FALLBACK_BODY_CHARS) and not photo_news:
        raise Skip("empty_body", f"layout {match.layout_name}")
    fields["body"] = "\n\n".join(paragraphs)
    return Article(fields, raw.published, paragraphs, match.layout_name, notes=notes)


def _clean_list(texts: list[str], strip_zwnj: bool) -> list[str]:
    out: list[str] = []
    for text in texts:
        clean = normalize_line(text, strip_zwnj=strip_zwnj).lstrip("#").strip()
        if clean and clean not in out:
            out.append(clean)
    return out


def without_repeats(paragraphs: list[str]) -> tuple[list[str], int]:
    """The paragraphs without a copy of them, and how many were dropped: a long paragraph
    seen before is dropped, and so is a short one seen before (a subheading) that borders a
    dropped one. Short repeats on their own ("***") stay."""
    seen: set[str] = set()
    earlier: list[bool] = []
    long_repeat: list[bool] = []
    for paragraph in paragraphs:
        earlier.append(paragraph in seen)
        long_repeat.append(earlier[-1] and len(paragraph) >= REPEAT_MIN_CHARS)
        seen.add(paragraph)
    kept: list[str] = []
    dropped_previous = False
    for i, paragraph in enumerate(paragraphs):
        next_is_copy = i + 1 < len(paragraphs) and long_repeat[i + 1]
        dropped_previous = long_repeat[i] or (earlier[i] and (dropped_previous or next_is_copy))
        if not dropped_previous:
            kept.append(paragraph)
    return kept, len(paragraphs) - len(kept)


# --- stage 4: rendering -----------------------------------------------------------------
def render(article: Article, outlet: OutletDeclaration) -> str:
    fields = article.fields
    return render_document(
        domain=outlet.domain,
        code=fields["code"],
        published=article.published,
        uptitle=fields["uptitle"],
        title=fields["title"],
        lead=fields["lead"],
        paragraphs=article.paragraphs,
    )
