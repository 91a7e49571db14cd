"""Article page → item fields, with no crawler: the parser the spiders call.

    from newscrawl.article import parse_html
    from spiders.kayhan import KayhanSpider
    article = parse_html(url, html_bytes, KayhanSpider)   # raises Skip for a non-article
    article.fields["title"], article.fields["body"], article.text

Stages, each a function of its own:

1. ``find_article``: the first of the outlet's layouts whose title and body container are
   on the page, and the article block that holds both (``newscrawl.layout``); else the
   structural fallback (``newscrawl.fallback``) — never the whole page;
2. ``extract``: every field looked up inside the article block (a field the block lacks is
   None, never taken from a teaser elsewhere on the page), the body cleaned and extracted
   by trafilatura (``newscrawl.extraction``), the date chosen (``choose_published``);
3. ``normalise``: the text rules of the seed format (``newscrawl.text``), repeated and
   duplicated paragraphs, then the outlet's own per-field rules (``rule_<field>``
   classmethods in its spider file, as Fundus's per-publisher ``@attribute`` methods);
4. ``render``: the seed-format document (``newscrawl.document``).

What the spider needs to count or log comes back as ``notes`` (stat name, message).
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol
from urllib.parse import urljoin

import lxml.html
from lxml import etree
from scrapy.http import Response

from newscrawl.dates import (
    TEHRAN,
    DateError,
    NoDateForm,
    looks_like_date,
    parse_published,
    shows_time,
)
from newscrawl.document import render_document
from newscrawl.extraction import ExtractedBody, extract_body, image_source
from newscrawl.fallback import find_article as find_fallback_article
from newscrawl.layout import SHARED_BODY_DROP, Layout, Selectors
from newscrawl.non_articles import (
    LISTING_MIN_ARTICLE_LINKS,
    has_soft_404_text,
    is_cdn_challenge,
    is_html,
    is_truncated,
)
from newscrawl.selection import Node, Page, node_text, select_in, xpath_of
from newscrawl.text import normalize_line, normalize_optional, normalize_paragraphs, to_ascii_digits
from newscrawl.urls import canonical_url, on_canonical_host, url_code

FALLBACK = "fallback"
# A paragraph this long that comes again word for word is a copy (a hidden mobile version of
# the article inside the container, a pull quote), never new text.
REPEAT_MIN_CHARS = 40
# An article code as it may reach a file name (pipelines/text_files.py refuses others too).
_PLAUSIBLE_CODE = re.compile(r"[0-9]{1,20}")
HOME_CRUMBS = frozenset({"صفحه نخست", "خانه", "صفحه اصلی", "خبرگزاری", "Home"})
_DIGITS = re.compile(r"\d+")
# A label ends with a colon and holds no digit (the time "۲۲:۱۵" has a colon too).
_DATE_LABEL = re.compile(r"^[^:：\d۰-۹]{1,30}[:：]\s*")
_AUTHOR_LABEL = re.compile(r"^[^:：]{1,24}[:：]\s*")
# Boxes inside an article block whose texts are not the article's fields (a teaser's lead,
# a related item's date), by class or id.
_TEASER_BOX_NAMES = (
    "related",
    "teaser",
    "most",
    "popular",
    "latest",
    "sidebar",
    "comment",
    "banner",
    "advert",
    "recommend",
    "suggest",
    "more_news",
    "more-news",
)
# Machine-readable publication times, page-level metadata of this very page.
_MACHINE_DATES: tuple[tuple[str, str], ...] = (
    ("article:published_time", "/html/head/meta[@property='article:published_time']/@content"),
    ("datePublished", "/html/head/meta[@itemprop='datePublished']/@content"),
)
_TIME_ELEMENT = "time::attr(datetime)"
_JSON_LD = "//script[@type='application/ld+json']/text()"
_PAGE_TIME_ELEMENT = "//time/@datetime"
# The visible date and a machine-readable one this far apart are reported.
DATE_DISAGREEMENT_SECONDS = 60
# A body shorter than this (all paragraphs) is no article: a stub, or a box mistaken for one.
MIN_BODY_CHARS = 25
_FALLBACK_META: dict[str, str] = {
    "title": "meta[property='og:title']::attr(content)",
    "image": "meta[property='og:image']::attr(content)",
    "page_title": "title",
}


class Skip(Exception):
    """A page that yields no item; ``reason`` names its stat ``skip/<reason>``."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason, detail)
        self.reason = reason
        self.detail = detail


class OutletDeclaration(Protocol):
    """What the parser reads of an outlet (its spider class, ``spiders/<outlet>.py``)."""

    name: ClassVar[str]
    domain: ClassVar[str]
    article_url: ClassVar[re.Pattern[str]]
    canonical_url: ClassVar[str]
    canonical_host: ClassVar[str]
    layouts: ClassVar[tuple[Layout, ...]]
    soft_404: ClassVar[Selectors]


@dataclass(frozen=True)
class Note:
    """Something the parser saw that the crawl counts (``stat``) and logs (``message``)."""

    stat: str
    message: str
    level: int = logging.INFO
    count: int = 1


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
    """``parse_article`` on a page's HTML (bytes are decoded as the page declares)."""
    root = lxml.html.document_fromstring(html)
    return parse_article(url, root, outlet, **options)


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
    return parse_article(response.url, response.selector.root, outlet, **options)


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
    page = Page(root)
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
    for selector in layout.body:
        containers = [n for n in page.select(selector) if isinstance(n, etree._Element)]
        for container in containers:
            if _in_box(container, page.root):
                continue
            title = _nearest_title(page, layout, container)
            if title is None:
                continue
            title_node, title_text = title
            block = _widen(page, layout, _common_ancestor(title_node, container))
            return ArticleMatch(layout, block, container, title_text)
        if containers:  # the first selector that finds a container decides
            break
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
            if element is None or _inside(element, container) or _inside(container, element):
                continue
            text = normalize_optional(node_text(element))
            if not text:
                continue
            depth = _depth(_common_ancestor(element, container))
            if best is None or (depth, -rank) > (best[0], -best[1]):
                best = (depth, rank, element, text)
    return (best[2], best[3]) if best else None


def _widen(page: Page, layout: Layout, ancestor: etree._Element) -> etree._Element:
    """``ancestor`` widened to the nearest article-block element around it, if any."""
    test = layout.block_test
    for node in (ancestor, *ancestor.iterancestors()):
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
    scope = _Scope(match.block, match.container)
    code = _code(outlet, url, request_url, scope, layout)
    if layout is None:
        body = extract_body(match.container, fallback_drop(outlet))
        lead = node_text(match.lead_node) if match.lead_node is not None else None
        image = _first_text_on_page(page, (_FALLBACK_META["image"],))
        lead_images: list[str] = [image] if image else []
        uptitle = visible_date = author = None
        category: list[str] = []
        tags: list[str] = []
        gallery: list[str] = []
    else:
        body = extract_body(match.container, layout.drop_xpaths)
        uptitle = scope.first_text(layout.uptitle, before_body=True)
        lead = scope.first_text(layout.lead, before_body=True)
        visible_date = _shown_date(scope, layout.date)
        author = scope.first_text(layout.author)
        category = scope.texts(layout.category) or _texts_on_page(page, layout.category)
        tags = scope.texts(layout.tags) or _texts_on_page(page, layout.tags)
        lead_images = scope.image_sources(layout.lead_image, first_selector_only=True)
        if not lead_images:  # the image of the article's head, however it is marked up
            lead_images = scope.image_sources(_HEAD_IMAGE, first_selector_only=True, before=True)
        gallery = scope.image_sources(layout.gallery)
    shown = normalize_optional(_DATE_LABEL.sub("", visible_date)) if visible_date else None
    published, source = choose_published(url, shown, page, match.block, notes)
    canonical = canonical_url(outlet, url, _page_canonical(url, page), request_url)
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


@functools.cache
def fallback_drop(outlet: OutletDeclaration) -> tuple[etree.XPath, ...]:
    """What the fallback drops from its block: the shared boxes and every box the outlet's
    layouts know (its in-body ads have the same names whatever the design)."""
    selectors = dict.fromkeys(
        (*SHARED_BODY_DROP, *(s for layout in outlet.layouts for s in layout.drop))
    )
    return tuple(etree.XPath(xpath_of(s)) for s in selectors)


def choose_published(
    url: str,
    shown: str | None,
    page: Page,
    block: etree._Element,
    notes: list[Note],
) -> tuple[datetime | None, str | None]:
    """The publication time and where it came from: the visible date when it shows a time;
    otherwise a machine-readable one (meta, JSON-LD, ``<time datetime>``) in Tehran time;
    the visible day alone when nothing better exists. A disagreement of more than a minute
    between the two is noted."""
    visible = None
    if shown:
        try:
            visible = parse_published(shown)
        except DateError as error:
            notes.append(Note("date/invalid", f"Bad date on {url}: {error}", logging.WARNING))
    machine = None
    for source, raw in machine_dates(page, block):
        try:
            machine = (parse_published(raw).astimezone(TEHRAN), source)
            break
        except DateError as error:
            notes.append(Note("date/invalid", f"Bad date on {url}: {error}", logging.WARNING))
    if visible is not None and machine is not None:
        apart = abs((visible - machine[0]).total_seconds())
        if apart > DATE_DISAGREEMENT_SECONDS and shows_time(shown or ""):
            notes.append(
                Note(
                    "date/disagree",
                    f"Dates disagree on {url}: shown {shown!r}, {machine[1]} "
                    f"{machine[0].isoformat()}: the shown one is used",
                    logging.INFO,
                )
            )
    if visible is not None and shows_time(shown or ""):
        return visible, "visible"
    if machine is not None:
        return machine[0], machine[1]
    if visible is not None:
        return visible, "visible"
    notes.append(Note("date/missing", f"No date on {url}", logging.INFO))
    return None, None


def _shown_date(scope: _Scope, selectors: Selectors) -> str | None:
    """The first text the date selectors find that has the form of a date (right or
    wrong); else the first that looks like a broken one (a time or a month name in it,
    reported as a bad date); a text with neither (a box that lost its date) is none."""
    broken = None
    for selector in selectors:
        text = scope.first_text((selector,))
        if not text:
            continue
        try:
            parse_published(_DATE_LABEL.sub("", normalize_line(text)))
        except NoDateForm:
            if broken is None and looks_like_date(text):
                broken = text
            continue
        except DateError:
            pass
        return text
    return broken


def machine_dates(page: Page, block: etree._Element) -> Iterator[tuple[str, str]]:
    """(source, raw value) of the page's machine-readable publication times, best first."""
    for source, selector in _MACHINE_DATES:
        for value in page.select(selector):
            if value.strip():
                yield source, value.strip()
    for script in page.select(_JSON_LD):
        yield from (("json-ld", value) for value in _json_ld_dates(script))
    for value in _time_values(page, block):
        if value.strip():
            yield "time", value.strip()
            return


def _time_values(page: Page, block: etree._Element) -> Iterator[str]:
    """``<time datetime>`` of the article block, then (only if needed) of the page."""
    yield from select_in(block, _TIME_ELEMENT)
    yield from page.select(_PAGE_TIME_ELEMENT)


def _json_ld_dates(script: str) -> Iterator[str]:
    try:
        data = json.loads(script)
    except ValueError:
        return
    stack = [data]
    while stack:
        item = stack.pop(0)
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            value = item.get("datePublished")
            if isinstance(value, str) and value.strip():
                yield value.strip()
            stack.extend(v for k, v in item.items() if k == "@graph" or isinstance(v, dict))


def _code(
    outlet: OutletDeclaration, url: str, request_url: str, scope: _Scope, layout: Layout | None
) -> str:
    url_found = url_code(outlet, url) or url_code(outlet, request_url)
    shown = to_ascii_digits(" ".join(scope.texts(layout.code, normalise=False))) if layout else ""
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
    href = next(iter(page.select("link[rel='canonical']::attr(href)")), None)
    return _urljoin(url, href) if href else ""


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


class _Scope:
    """Selectors evaluated inside the article block only; nodes in a teaser box within it,
    and (for fields that precede the text) nodes inside or after the body, do not count."""

    def __init__(self, block: etree._Element, container: etree._Element):
        self.block = block
        self.container = container

    def nodes(self, selectors: Selectors, *, before_body: bool = False) -> list[Node]:
        for selector in selectors:
            found = [n for n in select_in(self.block, selector) if self._belongs(n, before_body)]
            if found:
                return found
        return []

    def _belongs(self, node: Node, before_body: bool) -> bool:
        element = node if isinstance(node, etree._Element) else node.getparent()
        if element is None or not node_text(node).strip():
            return False
        if _inside(element, self.container) or _in_box(element, self.block):
            return False
        return not before_body or _precedes(element, self.container)

    def first_text(self, selectors: Selectors, *, before_body: bool = False) -> str | None:
        """The text of the first matching element (or all matching text nodes, joined)."""
        nodes = self.nodes(selectors, before_body=before_body)
        if not nodes:
            return None
        picked = nodes if isinstance(nodes[0], str) else nodes[:1]
        return " ".join(node_text(n) for n in picked)

    def texts(self, selectors: Selectors, *, normalise: bool = True) -> list[str]:
        return [str(node_text(n)) for n in self.nodes(selectors)]

    def image_sources(
        self, selectors: Selectors, *, first_selector_only: bool = False, before: bool = False
    ) -> list[str]:
        """Sources of the images ``selectors`` find (with ``before``, only those before the
        body container); an ``img`` selector finds the AMP view's ``amp-img`` too."""
        sources: list[str] = []
        for selector in _with_amp_images(selectors):
            for node in select_in(self.block, selector):
                if isinstance(node, str):
                    sources.append(str(node))
                elif not _in_box(node, self.block) and not (
                    before
                    and (_inside(node, self.container) or not _precedes(node, self.container))
                ):
                    sources.append(image_source(node))
            if sources and first_selector_only:
                break
        return sources


# An image in the article's head, for a layout whose lead-image selectors find none.
_HEAD_IMAGE: Selectors = ("figure img", "img")
_IMG_TAG = re.compile(r"(?<![\w.#\[=-])img(?![\w-])")


@functools.cache
def _with_amp_images(selectors: Selectors) -> Selectors:
    """Each selector, followed by its AMP form when it names the ``img`` tag."""
    out: list[str] = []
    for selector in selectors:
        out.append(selector)
        amp = _IMG_TAG.sub("amp-img", selector)
        if amp != selector:
            out.append(amp)
    return tuple(out)


def _texts_on_page(page: Page, selectors: Selectors) -> list[str]:
    for selector in selectors:
        texts = [t for t in (node_text(n) for n in page.select(selector)) if t.strip()]
        if texts:
            return texts
    return []


def _first_text_on_page(page: Page, selectors: Selectors) -> str | None:
    texts = _texts_on_page(page, selectors)
    return normalize_optional(texts[0]) if texts else None


def _names(node: etree._Element) -> str:
    return f"{node.get('class', '')} {node.get('id', '')}".lower()


def _in_box(node: etree._Element, block: etree._Element) -> bool:
    """Whether ``node`` sits in a teaser box (related news...) inside ``block``."""
    for ancestor in (node, *node.iterancestors()):
        if ancestor is block:
            return False
        names = _names(ancestor)
        if any(name in names for name in _TEASER_BOX_NAMES):
            return True
    return False


def _inside(node: etree._Element, ancestor: etree._Element) -> bool:
    return node is ancestor or any(a is ancestor for a in node.iterancestors())


def _depth(node: etree._Element) -> int:
    return sum(1 for _ in node.iterancestors())


def _common_ancestor(a: etree._Element, b: etree._Element) -> etree._Element:
    ancestors = {id(n): n for n in (a, *a.iterancestors())}
    for node in (b, *b.iterancestors()):
        if id(node) in ancestors:
            return node
    return b.getroottree().getroot()


def _precedes(a: etree._Element, b: etree._Element) -> bool:
    """Whether ``a`` starts before ``b`` in document order (``a`` not inside ``b``)."""
    common = _common_ancestor(a, b)
    if common is a:
        return True
    if common is b:
        return False
    branch_a = next(n for n in (a, *a.iterancestors()) if n.getparent() is common)
    branch_b = next(n for n in (b, *b.iterancestors()) if n.getparent() is common)
    return common.index(branch_a) < common.index(branch_b)


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
    # Checked last: a body holding only its lead is empty too.
    if sum(len(p) for p in paragraphs) < MIN_BODY_CHARS:
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
