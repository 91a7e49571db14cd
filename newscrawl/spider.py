"""NewsSpider: what the four outlet spiders share.

An outlet's spider only declares what is particular to it (feeds, listing pages, article URL
pattern, canonical URL, page layouts as selectors, soft-404 markers); this class turns
those declarations into discovery, article parsing and items.

Spider arguments (``scrapy crawl <outlet> -a NAME=VALUE``):

- ``urls=FILE``: crawl exactly the URLs in FILE (one per line, ``#`` comments), no discovery;
- ``replay=PATH``: serve every request from saved pages (WARC file, or a directory of WARC
  files and fixtures), never from the network;
- ``record=FILE.warc.gz``: write every fetched response to a WARC file;
- ``refresh=1``: fetch known articles again; one whose content changed is emitted again
  with its revision number one higher;
- ``since=DATE until=DATE``: walk the outlet's archive for that range (backfill);
- ``codes=FROM-TO``: fetch articles by code (the outlets' codes are sequential);
- ``max_pages=N``: how deep a listing or archive walk may go (``NEWSCRAWL_MAX_LISTING_PAGES``).

Articles the seen-store already knows are not fetched again (unless refreshing).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

import scrapy
from lxml import etree
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from scrapy.http import Response
from scrapy.settings import BaseSettings
from w3lib.url import url_query_parameter

from newscrawl import user_agent
from newscrawl.dates import DateError, parse_day, parse_published
from newscrawl.discovery import (
    archive_start_urls,
    parse_code_range,
    with_query_param,
)
from newscrawl.distributed import claim_seeding, redis_mode_settings
from newscrawl.document import render_document
from newscrawl.extraction import ExtractedBody, extract_body, image_source
from newscrawl.items import ArticleItem
from newscrawl.layout import (
    FALLBACK_LAYOUT,
    SHARED_FALLBACK_DROP,
    Layout,
    Selectors,
)
from newscrawl.pages import (
    LISTING_MIN_ARTICLE_LINKS,
    has_soft_404_text,
    is_cdn_challenge,
    is_html,
    is_truncated,
)
from newscrawl.selection import Page, node_text
from newscrawl.state import crawl_state
from newscrawl.text import normalize_line, normalize_optional, normalize_paragraphs, to_ascii_digits

# Editorial notes that are not article text, when they stand as a paragraph of their own
# (so no element selector can drop them), matched on normalised text.
BOILERPLATE_PARAGRAPHS = re.compile(
    r"^(?:این خبر (?:بروز|به[ \u200c]?روز) ?[\u200c]?رسانی می[ \u200c]?شود)\s*[.…]*$"
)
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


@dataclass(frozen=True, slots=True)
class LayoutMatch:
    """A layout found on a page, with its body container and title (None: the fallback)."""

    layout: Layout
    container: etree._Element | None
    title: str | None


# (URL attribute, callback, contracts): a feed links articles and gives no item; an article
# page gives one item with every field the seed format needs, and no request.
_CONTRACTS = (
    ("contract_feed_url", "parse_feed", "@returns requests 1\n@returns items 0 0"),
    (
        "contract_article_url",
        "parse_article",
        "@returns items 1 1\n@returns requests 0 0\n"
        "@scrapes outlet code url title body published published_text text",
    ),
)


def _with_contracts(callback: Callable[..., Any], url: str, contracts: str) -> Callable[..., Any]:
    @functools.wraps(callback)
    def checked(self: NewsSpider, response: Response) -> Any:
        return callback(self, response)

    checked.__doc__ = f"@url {url}\n{contracts}"
    return checked


class SkipPage(Exception):
    """A response that yields no item; ``reason`` names its stat ``skip/<reason>``."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason, detail)
        self.reason = reason
        self.detail = detail


class NewsSpider(scrapy.Spider):
    """Base of the outlet spiders. Subclasses declare the class attributes below."""

    # --- declared by each outlet ---------------------------------------------------------
    domain: ClassVar[str]  # first line of the seed-format document, e.g. "kayhan.ir"
    canonical_host: ClassVar[str]  # host of canonical URLs
    feed_urls: ClassVar[tuple[str, ...]] = ()
    listing_urls: ClassVar[tuple[str, ...]] = ()
    article_url: ClassVar[re.Pattern[str]]  # matches article URLs; group "code" (+ others)
    canonical_url: ClassVar[str]  # format string over article_url's groups
    layouts: ClassVar[tuple[Layout, ...]]  # newest design first
    soft_404: ClassVar[Selectors] = ()  # selectors present only on the "not found" page
    # The list itself on a listing page (not its menus and sidebars); whole page if absent.
    listing_area: ClassVar[Selectors] = ()
    listing_page_param: ClassVar[str | None] = None  # query parameter of the page number
    # Archive for a date range, see newscrawl.discovery.archive_start_urls for placeholders.
    archive_url: ClassVar[str | None] = None
    code_url: ClassVar[str | None] = None  # an article by its code alone: "...{code}"
    # Pages `scrapy check <outlet>` fetches: a feed and an article (the contracts below).
    contract_feed_url: ClassVar[str | None] = None
    contract_article_url: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Give an outlet's callbacks the shared `scrapy check` contracts, on its own URLs
        (Scrapy reads contracts from a callback's docstring)."""
        super().__init_subclass__(**kwargs)
        for url_attribute, callback, contracts in _CONTRACTS:
            url = cls.__dict__.get(url_attribute)  # declared here, not inherited
            if url:
                setattr(cls, callback, _with_contracts(getattr(cls, callback), url, contracts))

    # 403 reaches the callbacks so that a CDN challenge served as 403 is told apart.
    handle_httpstatus_list: ClassVar[list[int]] = [403]

    def __init__(
        self,
        *args: Any,
        urls: str | None = None,
        replay: str | None = None,
        record: str | None = None,
        refresh: str | None = None,
        since: str | None = None,
        until: str | None = None,
        codes: str | None = None,
        max_pages: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        if replay and record:
            raise UsageError("-a replay= and -a record= exclude each other")
        self.refresh = _flag(refresh)
        try:
            self.since = parse_day(since) if since else None
            self.until = parse_day(until) if until else None
            self.codes = parse_code_range(codes) if codes else None
        except ValueError as error:
            raise UsageError(str(error)) from error
        if (self.since or self.until) and not self.archive_url:
            raise UsageError(f"{self.name} declares no archive: -a since/until unsupported")
        if self.codes is not None and not self.code_url:
            raise UsageError(f"{self.name} declares no code URL: -a codes unsupported")
        self.max_pages = int(max_pages) if max_pages else None
        self._scheduled: set[tuple[str, str]] = set()  # article keys requested in this run
        self._known_skipped: set[tuple[str, str]] = set()  # not requested: already seen
        self.urls_file = Path(urls) if urls else None
        if self.urls_file is not None and not self.urls_file.is_file():
            raise UsageError(f"-a urls={urls}: no such file")
        self.replay = replay
        self.record = record

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._configure(crawler.settings)
        # Opened now, before the feed exports open (and may truncate) their files: an
        # interrupted earlier run is recovered from them first (newscrawl.state).
        spider.crawl_state = crawl_state(crawler)
        return spider

    def _configure(self, settings: BaseSettings) -> None:
        """Turn the spider arguments into Scrapy settings (still mutable here)."""
        self.strip_zwnj = settings.getbool("NEWSCRAWL_STRIP_ZWNJ")
        # -s NEWSCRAWL_REPLAY=PATH works too: `scrapy check` takes settings, not -a.
        self.replay = self.replay or settings.get("NEWSCRAWL_REPLAY")
        if self.max_pages is None:
            self.max_pages = settings.getint("NEWSCRAWL_MAX_LISTING_PAGES", 50)
        contact_priority = settings.getpriority("NEWSCRAWL_CONTACT")
        if contact_priority is not None and settings.getpriority("USER_AGENT") <= contact_priority:
            settings.set(
                "USER_AGENT", user_agent(settings.get("NEWSCRAWL_CONTACT")), priority="spider"
            )
        for switch, name, path in _SWITCHED_COMPONENTS:
            if not settings.getbool(switch):
                _disable_unless_set(settings, name, path)
        if settings.get("REDIS_URL"):
            # Workers on any number of hosts share the queue, duplicate filter and
            # seen-store in Redis (newscrawl/distributed.py).
            settings.setdict(redis_mode_settings(), priority="spider")
        if self.replay:
            source = Path(self.replay)
            if not source.exists():
                raise UsageError(f"-a replay={self.replay}: no such file or directory")
            settings.setdict(
                {
                    "NEWSCRAWL_REPLAY": str(source),
                    "HTTPCACHE_ENABLED": True,
                    "HTTPCACHE_STORAGE": "newscrawl.replay.ReplayStorage",
                    "HTTPCACHE_POLICY": "scrapy.extensions.httpcache.DummyPolicy",
                    "HTTPCACHE_IGNORE_HTTP_CODES": [],
                    "HTTPCACHE_EXPIRATION_SECS": 0,
                    # The saved pages were fetched under robots.txt already; nothing here
                    # touches a server, so politeness delays would only slow the replay.
                    "ROBOTSTXT_OBEY": False,
                    "AUTOTHROTTLE_ENABLED": False,
                    "DOWNLOAD_DELAY": 0,
                    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
                    "RETRY_ENABLED": False,
                    # Nothing is downloaded (OfflineGuardMiddleware refuses what the saved
                    # pages lack): the HTTP(S) handlers are not loaded (their TLS setup costs
                    # ~0.1 s of start-up).
                    "DOWNLOAD_HANDLERS": {"http": None, "https": None},
                },
                priority="spider",
            )
            # What only shapes a request for a server: no use on saved responses, a few
            # hundredths of a ms a page each (a user's own -s setting still wins).
            for middleware in _NETWORK_ONLY_MIDDLEWARES:
                _disable_unless_set(settings, "DOWNLOADER_MIDDLEWARES", middleware)
            _disable_unless_set(settings, "SPIDER_MIDDLEWARES", _REFERER_MIDDLEWARE)
        elif self.record:
            settings.setdict(
                {
                    "NEWSCRAWL_RECORD": self.record,
                    "HTTPCACHE_ENABLED": True,
                    "HTTPCACHE_STORAGE": "newscrawl.record.RecordStorage",
                    "HTTPCACHE_POLICY": "scrapy.extensions.httpcache.DummyPolicy",
                    "HTTPCACHE_IGNORE_HTTP_CODES": [],
                },
                priority="spider",
            )

    # --- URLs ----------------------------------------------------------------------------
    def match_article(self, url: str) -> re.Match[str] | None:
        return self.article_url.match(url)

    def article_key(self, url: str) -> tuple[str, str] | None:
        """Identity of the article a URL points to: (outlet, code), or None."""
        match = self.match_article(url)
        return (self.name, match["code"]) if match else None

    def canonical_article_url(self, *urls: str) -> str | None:
        """The canonical URL, from the first of ``urls`` that carries every part it needs."""
        for url in urls:
            match = self.match_article(url) if url else None
            if match:
                try:
                    return self.canonical_url.format(**match.groupdict())
                except (KeyError, IndexError):
                    continue
        return None

    def request_url(self, url: str) -> str:
        """An article link as it is fetched: https, no query string or fragment (tracking
        parameters), the canonical host instead of its www/non-www twin; a print or AMP
        view is replaced by the article page itself."""
        if _ALTERNATE_VIEW.search(urlsplit(url).path):
            canonical = self.canonical_article_url(url)
            if canonical:
                return canonical
        parts = urlsplit(url)
        host = parts.hostname or ""
        if host.removeprefix("www.") == self.canonical_host.removeprefix("www."):
            host = self.canonical_host
        return urlunsplit(("https", host, parts.path, "", ""))

    # --- discovery -----------------------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        if not self.crawler.settings.get("REDIS_URL"):
            for request in self.discovery_requests():
                yield request
            return
        if not claim_seeding(self.crawler):
            self.logger.info("Another worker queued this crawl's discovery: taking from the queue")
            return
        # Straight into the shared queue, all of them: yielded, start requests are handed
        # to the scheduler one at a time as this worker takes them, leaving the others idle.
        queued = 0
        for request in self.discovery_requests():
            self.crawler.engine.crawl(request)
            queued += 1
        self.logger.info("Queued %d discovery requests for all workers", queued)

    def discovery_requests(self) -> Iterator[scrapy.Request]:
        """Where this crawl starts, as the spider arguments say."""
        if self.urls_file is not None:
            yield from self._article_requests(read_url_list(self.urls_file), "urls_file")
        elif self.codes is not None:
            urls = (self.code_url.format(code=code) for code in self.codes)
            yield from self._article_requests(urls, "codes")
        elif self.since or self.until:
            since, until = self.since or self.until, self.until or self.since
            for url in archive_start_urls(self.archive_url, since, until):
                yield self._start_page(url, self.parse_listing)
        else:
            for url in self.feed_urls:
                yield self._start_page(url, self.parse_feed)
            for url in self.listing_urls:
                yield self._start_page(url, self.parse_listing)

    def _start_page(self, url: str, callback) -> scrapy.Request:
        self.crawler.stats.inc_value("discovery/start_pages")
        return scrapy.Request(
            url,
            callback=callback,
            errback=self._start_page_failed,
            meta={"listing_page": 1, "start_page": True},
        )

    def _start_page_failed(self, failure) -> None:
        self.crawler.stats.inc_value("discovery/start_pages_failed")
        self.logger.warning(
            "Start page failed: %s (%s)", failure.request.url, failure.getErrorMessage()
        )

    def closed(self, reason: str) -> None:
        stats = self.crawler.stats
        started = stats.get_value("discovery/start_pages", 0)
        if started and stats.get_value("discovery/start_pages_failed", 0) >= started:
            # Nothing could be discovered: blocked by the CDN, site down, or URLs changed.
            stats.set_value("discovery/nothing_discovered", 1)
            self.logger.error(
                "None of the %d start pages of %s could be used: nothing was discovered",
                started,
                self.name,
            )

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        if not self._usable(response, "feed"):
            return
        links = response.xpath(
            "//*[local-name()='item']/*[local-name()='link']/text()"
            " | //*[local-name()='entry']/*[local-name()='link']/@href"
            " | //*[local-name()='item']/*[local-name()='guid']/text()"
        ).getall()
        yield from self._follow_articles(response, links, "feed")

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        """Articles of a listing or archive page, then its next page, as long as this one
        brought something new (older pages were walked by earlier runs)."""
        if not self._usable(response, "listing"):
            return
        page = Page(response.selector.root)
        area = next((found for s in self.listing_area if (found := page.select(s))), None)
        links = (
            [href for node in area if not isinstance(node, str) for href in _link_hrefs(node)]
            if area
            else page.select("a::attr(href)")
        )
        new = list(self._follow_articles(response, links, "listing"))
        yield from new
        number = response.meta.get("listing_page", 1)
        if not new:
            self.logger.info("Listing %s brings nothing new: not paginating further", response.url)
        elif self.listing_page_param and number < self.max_pages:
            current = url_query_parameter(response.url, self.listing_page_param)
            next_url = with_query_param(
                response.url, self.listing_page_param, int(current or 1) + 1
            )
            yield scrapy.Request(
                next_url, callback=self.parse_listing, meta={"listing_page": number + 1}
            )

    def _usable(self, response: Response, kind: str) -> bool:
        skip = None
        if is_cdn_challenge(response):
            skip = SkipPage("cdn_challenge", f"{kind} page")
        elif response.status != 200:
            skip = SkipPage(f"http_{response.status}", f"{kind} page")
        if skip is None:
            return True
        self._skip(response, skip)
        if response.meta.get("start_page"):
            self.crawler.stats.inc_value("discovery/start_pages_failed")
        return False

    def _follow_articles(
        self, response: Response, links: Iterable[str], kind: str
    ) -> Iterator[scrapy.Request]:
        urls = (response.urljoin(link.strip()) for link in links)
        yield from self._article_requests(urls, kind)

    def _article_requests(self, urls: Iterable[str], kind: str) -> Iterator[scrapy.Request]:
        """Requests for the articles among ``urls`` that are new: not yet requested in this
        run and, unless refreshing, unknown to the seen-store. Taken in batches: one
        seen-store lookup per batch, and a long URL list is never held whole in memory."""
        urls = iter(urls)
        while batch := list(islice(urls, _LOOKUP_BATCH)):
            yield from self._new_article_requests(batch, kind)

    def _new_article_requests(self, urls: list[str], kind: str) -> Iterator[scrapy.Request]:
        candidates: dict[tuple[str, str], str] = {}
        for url in urls:
            key = self.article_key(url)
            if key is None:
                if kind == "urls_file":  # asked for by name: fetched whatever it is
                    yield scrapy.Request(url, callback=self.parse_article)
                continue
            if key not in self._scheduled and key not in candidates:
                candidates[key] = url
        known = {} if self.refresh else self.crawl_state.store.get_many(candidates)
        stats = self.crawler.stats
        stats.inc_value(f"discovery/{kind}_links", len(candidates))
        self._known_skipped.update(known)
        stats.set_value("discovery/known", len(self._known_skipped))
        exact = kind in _EXACT_URL_KINDS
        for key, url in candidates.items():
            if key in known:
                continue
            if not exact:  # a URL list is taken once; the duplicate filter sees repeats
                self._scheduled.add(key)
            stats.inc_value("discovery/article_requests")
            yield scrapy.Request(
                url if exact else self.request_url(url), callback=self.parse_article
            )
        level = logging.DEBUG if exact else logging.INFO  # a URL list: a line per batch
        self.logger.log(
            level, "%s: %d article links, %d already known", kind, len(candidates), len(known)
        )

    # --- articles ------------------------------------------------------------------------
    def parse_article(self, response: Response) -> Iterator[ArticleItem]:
        try:
            yield self.build_item(response)
        except SkipPage as skip:
            self._skip(response, skip)

    def _skip(self, response: Response, skip: SkipPage) -> None:
        self.crawler.stats.inc_value(f"skip/{skip.reason}")
        level = logging.WARNING if skip.reason in _LOUD_SKIPS else logging.INFO
        detail = f" ({skip.detail})" if skip.detail else ""
        self.logger.log(level, "No item from %s: %s%s", response.url, skip.reason, detail)

    def build_item(self, response: Response) -> ArticleItem:
        """The item of an article page; raises SkipPage for anything that is not one."""
        if is_cdn_challenge(response):
            raise SkipPage("cdn_challenge", f"HTTP {response.status}")
        if response.status != 200:
            raise SkipPage(f"http_{response.status}")
        if not is_html(response):
            raise SkipPage("not_html", response.headers.get("Content-Type", b"").decode())
        if is_truncated(response):
            raise SkipPage("truncated", f"no </body> or </html> in {len(response.body)} bytes")
        page = Page(response.selector.root)
        found = self.detect_layout(page)
        if found is None:
            # Only a page no layout matches can be the "not found" page: the selectors of
            # a soft 404 need not run on every article.
            if any(page.exists(s) for s in self.soft_404):
                raise SkipPage("soft_404")
            found = LayoutMatch(self._fallback_layout(response, page), None, None)
        # Article pages parsed, the base of the fallback share (newscrawl/layout_watch.py).
        self.crawler.stats.inc_value("extract/articles")
        return self._item(response, page, found)

    def detect_layout(self, page: Page) -> LayoutMatch | None:
        """The first declared layout whose article block, title and body container are all on
        the page (a listing built of <article> teasers has no body container); with the
        container and title found, so that nothing is looked up twice."""
        for layout in self.layouts:
            if not page.exists(layout.article):
                continue
            container = next((found[0] for s in layout.body if (found := page.select(s))), None)
            if not isinstance(container, etree._Element):  # none, or a selector of text
                continue
            title = self._first_text(page, layout.title)
            if title:
                return LayoutMatch(layout, container, title)
        return None

    def _fallback_layout(self, response: Response, page: Page) -> Layout:
        text = normalize_line(" ".join(page.select("//body//text()")))
        if has_soft_404_text(text[:5000]) and not page.exists("article"):
            raise SkipPage("soft_404")
        article_links = {
            self.article_key(response.urljoin(href)) for href in page.select("a::attr(href)")
        } - {None, self.article_key(response.url)}
        looks_like_listing = (
            not self.match_article(response.url) or len(article_links) >= LISTING_MIN_ARTICLE_LINKS
        )
        if looks_like_listing and not page.exists("meta[property='og:type'][content='article']"):
            raise SkipPage("listing", f"{len(article_links)} article links, no article layout")
        self.crawler.stats.inc_value("extract/fallback")
        self.logger.warning(
            "No %s layout matches %s: whole-page extraction", self.name, response.url
        )
        return FALLBACK_LAYOUT

    def _item(self, response: Response, page: Page, found: LayoutMatch) -> ArticleItem:
        layout = found.layout
        code = self._code(response, page, layout)
        title = found.title or self._first_text(page, layout.title)
        if not title:
            raise SkipPage("no_title")
        if found.container is None:
            body = extract_body(page.root, SHARED_FALLBACK_DROP, whole_page=True)
            body = ExtractedBody(body.paragraphs, [])  # a whole page's images are not the article's
        else:
            # The first container: a second match is a copy (a hidden mobile block) or
            # something else that shares the class name.
            body = extract_body(found.container, layout.drop_xpaths)
        paragraphs = [
            p
            for p in normalize_paragraphs(body.paragraphs, strip_zwnj=self.strip_zwnj)
            if not BOILERPLATE_PARAGRAPHS.match(p)
        ]
        paragraphs = self._without_repeats(response, paragraphs)
        uptitle = self._first_text(page, layout.uptitle)
        lead = self._first_text(page, layout.lead)
        # Some CMSs repeat the lead or title as the body's first paragraph.
        while paragraphs and paragraphs[0] in (lead, title):
            paragraphs.pop(0)
        if not paragraphs:  # checked last: a body holding only its lead is empty too
            raise SkipPage("empty_body", f"layout {layout.name}")
        published_text = self._date_text(page, layout)
        published = self._published(response, page, layout, published_text)
        item = ArticleItem(
            outlet=self.name,
            code=code,
            url=self.canonical_article_url(
                response.url,
                self._page_canonical(response, page),
                response.request.url if response.request else "",
            )
            or self.request_url(response.url),
            title=title,
            uptitle=uptitle,
            lead=lead,
            body="\n\n".join(paragraphs),
            published=published.isoformat() if published else None,
            published_text=published_text,
            category=self._category(page, layout),
            tags=self._texts(page, layout.tags),
            author=self._author(page, layout),
            images=self._images(response, page, layout, body.image_sources),
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        item["text"] = render_document(
            domain=self.domain,
            code=code,
            published=published,
            uptitle=uptitle,
            title=title,
            lead=lead,
            paragraphs=paragraphs,
        )
        return item

    def _code(self, response: Response, page: Page, layout: Layout) -> str:
        match = self.match_article(response.url) or (
            self.match_article(response.request.url) if response.request else None
        )
        url_code = match["code"] if match else None
        shown = to_ascii_digits(" ".join(self._select_texts(page, layout.code)))
        page_code = next(iter(_DIGITS.findall(shown)), None)
        if url_code and page_code and url_code != page_code:
            raise SkipPage("code_mismatch", f"URL says {url_code}, page says {page_code}")
        code = url_code or page_code
        if not code:
            raise SkipPage("no_code")
        if not _PLAUSIBLE_CODE.fullmatch(code):  # absurdly long, or digits of another script
            raise SkipPage("bad_code", f"{code[:40]}… ({len(code)} characters)")
        return code

    def _without_repeats(self, response: Response, paragraphs: list[str]) -> list[str]:
        """The paragraphs without a copy of them (counted, logged): a long paragraph seen
        before is dropped, and so is a short one seen before (a subheading) that borders a
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
        if len(kept) < len(paragraphs):
            dropped = len(paragraphs) - len(kept)
            self.crawler.stats.inc_value("extract/repeated_paragraphs", dropped)
            self.logger.info("Dropped %d repeated paragraphs (a copy) on %s", dropped, response.url)
        return kept

    def _published(
        self, response: Response, page: Page, layout: Layout, shown: str | None
    ) -> datetime | None:
        for raw in (self._first_raw(page, layout.published_time), shown):
            if not raw:
                continue
            try:
                return parse_published(raw)
            except DateError as error:
                self.crawler.stats.inc_value("date/invalid")
                self.logger.warning("Bad date on %s: %s", response.url, error)
        self.crawler.stats.inc_value("date/missing")
        return None

    def _page_canonical(self, response: Response, page: Page) -> str:
        href = next(iter(page.select("link[rel='canonical']::attr(href)")), None)
        return response.urljoin(href) if href else ""

    def _date_text(self, page: Page, layout: Layout) -> str | None:
        """The date as shown, without a label such as "تاریخ انتشار :"."""
        shown = self._first_text(page, layout.date)
        return normalize_optional(_DATE_LABEL.sub("", shown)) if shown else None

    def _author(self, page: Page, layout: Layout) -> str | None:
        """The author's name, without a label such as "نویسنده:" or "خبرنگار:"."""
        shown = self._first_text(page, layout.author)
        return normalize_optional(_AUTHOR_LABEL.sub("", shown)) if shown else None

    def _category(self, page: Page, layout: Layout) -> str | None:
        crumbs = [c for c in self._texts(page, layout.category) if c not in HOME_CRUMBS]
        return crumbs[-1] if crumbs else None

    def _images(
        self, response: Response, page: Page, layout: Layout, in_body: list[str]
    ) -> list[str]:
        """The lead image, the body's own images, a gallery's: absolute, once each."""
        sources: list[str] = []
        for selector in layout.lead_image:
            for node in page.select(selector):
                sources.append(node if isinstance(node, str) else image_source(node))
            if sources:
                break
        gallery = [
            image_source(node)
            for selector in layout.gallery
            for node in page.select(selector)
            if not isinstance(node, str)
        ]
        urls: list[str] = []
        for src in (*sources, *in_body, *gallery):
            src = src.strip()
            if src and not src.startswith("data:"):
                absolute = response.urljoin(src)
                if absolute not in urls:
                    urls.append(absolute)
        return urls

    # --- field helpers -------------------------------------------------------------------
    def _select_texts(self, page: Page, selectors: Selectors) -> list[str]:
        for selector in selectors:
            texts = [t for t in (node_text(n) for n in page.select(selector)) if t.strip()]
            if texts:
                return texts
        return []

    def _texts(self, page: Page, selectors: Selectors) -> list[str]:
        out: list[str] = []
        for text in self._select_texts(page, selectors):
            clean = normalize_line(text, strip_zwnj=self.strip_zwnj).lstrip("#").strip()
            if clean and clean not in out:
                out.append(clean)
        return out

    def _first_text(self, page: Page, selectors: Selectors) -> str | None:
        """The text of the first matching element (or all matching text nodes, joined)."""
        for selector in selectors:
            nodes = [n for n in page.select(selector) if node_text(n).strip()]
            if nodes:
                picked = nodes if isinstance(nodes[0], str) else nodes[:1]
                text = " ".join(node_text(n) for n in picked)
                return normalize_optional(text, strip_zwnj=self.strip_zwnj)
        return None

    def _first_raw(self, page: Page, selectors: Selectors) -> str | None:
        texts = self._select_texts(page, selectors)
        return texts[0] if texts else None


_LOUD_SKIPS = frozenset(
    {"cdn_challenge", "code_mismatch", "empty_body", "no_title", "no_code", "bad_code", "truncated"}
)


# URLs the user named (-a urls, -a codes) are fetched exactly as given.
_EXACT_URL_KINDS = frozenset({"urls_file", "codes"})
_LOOKUP_BATCH = 500


def _link_hrefs(area: etree._Element) -> list[str]:
    """Links inside a listing's area (the area itself may be a link); element.xpath, as in
    newscrawl/selection.py, not a compiled XPath kept across documents."""
    return area.xpath("descendant-or-self::a/@href", smart_strings=False)


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


# Downloader middlewares that only shape a request for a server (authentication, timeout,
# headers, User-Agent, cookies, proxy), by import path: disabling one does not import it
# (see _disable_unless_set).
_NETWORK_ONLY_MIDDLEWARES = tuple(
    f"scrapy.downloadermiddlewares.{path}"
    for path in (
        "httpauth.HttpAuthMiddleware",
        "downloadtimeout.DownloadTimeoutMiddleware",
        "defaultheaders.DefaultHeadersMiddleware",
        "useragent.UserAgentMiddleware",
        "cookies.CookiesMiddleware",
        "httpproxy.HttpProxyMiddleware",
    )
)


# Sets the Referer header of the requests a page yields: only a server reads it.
_REFERER_MIDDLEWARE = "scrapy.spidermiddlewares.referer.RefererMiddleware"


def _disable_unless_set(settings: BaseSettings, name: str, path: str) -> None:
    """Leave component ``path`` out of the component dict ``name`` unless it is listed there
    (by the project or the user): it is taken out of ``<name>_BASE``, Scrapy's defaults,
    rather than set to None in ``name``, because Scrapy imports every key of ``name`` to
    match import paths with classes, one set to None too (Scrapy's
    ``setdefault_in_component_priority_dict`` takes the class: an import as well), and
    importing a component only to disable it is what this avoids (cookies imports
    tldextract, ~50 ms; RemoteControl aiohttp, ~150 ms)."""
    if path in settings.getdict(name):
        return
    base_name = f"{name}_BASE"
    base = settings.getdict(base_name)
    if base.pop(path, None) is not None:
        settings.set(base_name, base, priority=settings.getpriority(base_name) or 0)


# Scrapy's components that are off unless their setting turns them on: left out of the
# component dicts when off, so that they are not even imported (see _disable_unless_set).
_SWITCHED_COMPONENTS = (
    ("REMOTE_CONTROL_ENABLED", "EXTENSIONS", "scrapy.extensions.remote_control.RemoteControl"),
    ("TELNETCONSOLE_ENABLED", "EXTENSIONS", "scrapy.extensions.telnet.TelnetConsole"),
)


# Print and AMP views of an article: the same article, another layout.
_ALTERNATE_VIEW = re.compile(r"/(?:amp|print)(?:/|$)")


def read_url_list(path: Path) -> Iterator[str]:
    """URLs of a ``-a urls=`` file: one per line; blank lines and ``#`` comments skipped.
    Read as the crawl goes: a list of a million URLs is never in memory whole."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            line = line.strip()
            if line and not line.startswith("#"):
                yield line
