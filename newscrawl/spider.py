"""NewsSpider: what the four outlet spiders share.

An outlet's spider declares what is particular to it (feeds, listing pages, article URL
pattern, canonical URL, page layouts as selectors, soft-404 markers); this class turns those
declarations into discovery and requests, and hands each article page to the crawler-free
parser (``newscrawl/article.py``), counting and logging what it noted. Spider arguments
(``-a NAME=VALUE``) are checked in ``newscrawl/arguments.py``. Articles the seen-store
already knows are not fetched again (unless refreshing).
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.settings import BaseSettings

from newscrawl import urls, user_agent
from newscrawl.arguments import ARGUMENT_FORMS, check_replay_source, parse_spider_arguments
from newscrawl.article import Note, Skip, parse_response
from newscrawl.components import leave_out_switched_off
from newscrawl.contracts import add_contracts
from newscrawl.discovery import (
    EXACT_URL_KINDS,
    ArticleLinks,
    archive_start_urls,
    link_hrefs,
    next_page_url,
    read_url_list,
)
from newscrawl.distributed import seed_shared_queue
from newscrawl.feed_links import feed_links
from newscrawl.feed_links import record_outcome as record_feed_outcome
from newscrawl.html_tree import parse_page
from newscrawl.items import ArticleItem
from newscrawl.layout import Layout, Selectors
from newscrawl.non_articles import is_cdn_challenge
from newscrawl.selection import Page
from newscrawl.state import CrawlState


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
        """Give an outlet's callbacks the shared `scrapy check` contracts, on its own URLs."""
        super().__init_subclass__(**kwargs)
        add_contracts(cls)

    # 403 reaches the callbacks so that a CDN challenge served as 403 is told apart.
    handle_httpstatus_list: ClassVar[list[int]] = [403]

    def __init__(self, *args: Any, **kwargs: Any):
        # Checked and parsed in newscrawl/arguments.py, as scrapy crawl/crawlall check them;
        # taken out of kwargs, which Scrapy would set as attributes as they are.
        given = {name: kwargs.pop(name, None) for name in ARGUMENT_FORMS}
        arguments = parse_spider_arguments(type(self), {**given, **kwargs})
        super().__init__(*args, **kwargs)
        self.refresh = arguments.refresh
        self.since, self.until, self.codes = arguments.since, arguments.until, arguments.codes
        self.max_pages = arguments.max_pages
        self.urls_file = arguments.urls
        self.replay = arguments.replay
        self.record = arguments.record
        self.links = ArticleLinks()  # which article links this run requested or skipped

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._configure(crawler.settings)
        return spider

    @property
    def crawl_state(self) -> CrawlState:
        """The seen-store and run journal, opened by newscrawl.state.CrawlStateExtension."""
        return CrawlState.of(self.crawler)

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
        # Scrapy components that are off stay unimported (newscrawl/components.py).
        leave_out_switched_off(settings)
        # The modes' settings are add-ons beside them (settings.py ADDONS), applied by Scrapy
        # after this: replay.ReplayAddon, record.RecordAddon, distributed.RedisAddon. The
        # arguments only name the mode.
        if self.replay:
            source = check_replay_source(self.replay, "-a replay")
            settings.set("NEWSCRAWL_REPLAY", str(Path(source)), priority="spider")
        elif self.record:
            settings.set("NEWSCRAWL_RECORD", self.record, priority="spider")

    # --- URLs (newscrawl/urls.py) -------------------------------------------------------
    def article_key(self, url: str) -> tuple[str, str] | None:
        """Identity of the article a URL points to: (outlet, code), or None."""
        return urls.article_key(type(self), url)

    def canonical_article_url(self, *candidates: str) -> str | None:
        return urls.canonical_url(type(self), *candidates)

    def request_url(self, url: str) -> str:
        return urls.request_url(type(self), url)

    # --- discovery -----------------------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.crawler.settings.get("REDIS_URL"):  # distributed: one worker seeds them all
            seed_shared_queue(self.crawler, self.discovery_requests(), self.logger)
            return
        for request in self.discovery_requests():
            yield request

    def discovery_requests(self) -> Iterator[scrapy.Request]:
        """Where this crawl starts, as the spider arguments say."""
        if self.urls_file is not None:
            own = self._own_site_urls(read_url_list(self.urls_file))
            yield from self._article_requests(own, "urls_file")
        elif self.codes is not None:
            code_urls = (self.code_url.format(code=code) for code in self.codes)
            yield from self._article_requests(code_urls, "codes")
        elif self.since or self.until:
            since, until = self.since or self.until, self.until or self.since
            for url in archive_start_urls(self.archive_url, since, until):
                yield self._start_page(url, self.parse_listing)
        else:
            for url in self.feed_urls:
                yield self._start_page(url, self.parse_feed)
            for url in self.listing_urls:
                yield self._start_page(url, self.parse_listing)

    def _own_site_urls(self, listed: Iterable[str]) -> Iterator[str]:
        """The URLs of a list on this outlet's domains. The others (a list of several
        outlets' pages, as ``crawlall`` gives every spider) are another spider's: counted
        (``discovery/urls_file_other_site``) and left, rather than requested for Scrapy's
        off-site middleware to drop."""
        other = 0
        for url in listed:
            if urls.on_domains(self.allowed_domains, url):
                yield url
            else:
                other += 1
                self.crawler.stats.inc_value("discovery/urls_file_other_site")
        if other:
            self.logger.info("urls_file: %d URLs on other sites than %s's, left", other, self.name)

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
        if getattr(failure.request.callback, "__name__", None) == "parse_feed":
            record_feed_outcome(self.crawler.stats, self.logger, failure.request.url, "failed")

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
        """Articles of a feed; its outcome counted and logged (newscrawl/feed_links.py)."""
        if not self._usable(response, "feed"):
            record_feed_outcome(self.crawler.stats, self.logger, response.url, "failed")
            return
        found = feed_links(response.body)
        record_feed_outcome(self.crawler.stats, self.logger, response.url, found)
        yield from self._follow_articles(response, found.links, "feed")

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        """Articles of a listing or archive page, then its next page, as long as this one
        brought something new (older pages were walked by earlier runs)."""
        if not self._usable(response, "listing"):
            self.crawler.stats.inc_value("listing/failed")
            return
        page = Page(parse_page(response), self.name)
        area = next((found for s in self.listing_area if (found := page.select(s))), None)
        links = (
            [href for node in area if not isinstance(node, str) for href in link_hrefs(node)]
            if area
            else page.select("a::attr(href)")
        )
        # Each listing page's outcome: a stat, and a WARNING when it links no article.
        if any(self.article_key(response.urljoin(link.strip())) for link in links):
            self.crawler.stats.inc_value("listing/ok")
        else:
            self.crawler.stats.inc_value("listing/empty")
            self.logger.warning("Listing %s links no article", response.url)
        new = list(self._follow_articles(response, links, "listing"))
        yield from new
        number = response.meta.get("listing_page", 1)
        if not new:
            self.logger.info("Listing %s brings nothing new: not paginating further", response.url)
        elif self.listing_page_param and number < self.max_pages:
            next_url = next_page_url(response.url, self.listing_page_param)
            yield scrapy.Request(
                next_url, callback=self.parse_listing, meta={"listing_page": number + 1}
            )

    def _usable(self, response: Response, kind: str) -> bool:
        skip = None
        if is_cdn_challenge(response):
            skip = Skip("cdn_challenge", f"{kind} page")
        elif response.status != 200:
            skip = Skip(f"http_{response.status}", f"{kind} page")
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
        """Requests for the articles among ``urls`` that are new (newscrawl/discovery.py's
        ArticleLinks: not requested yet in this run and, unless refreshing, unknown to the
        seen-store), in batches of one seen-store lookup."""
        lookup = None if self.refresh else self.crawl_state.store.get_many
        stats = self.crawler.stats
        for batch in self.links.new_in_batches(urls, kind, self.article_key, lookup):
            stats.inc_value(f"discovery/{kind}_links", batch.candidates)
            stats.set_value("discovery/known", self.links.known)
            stats.inc_value("discovery/article_requests", len(batch.articles))
            exact = kind in EXACT_URL_KINDS
            for url in batch.unidentified:  # asked for by name: fetched whatever it is
                yield scrapy.Request(url, callback=self.parse_article)
            for url in batch.articles:
                yield scrapy.Request(
                    url if exact else self.request_url(url), callback=self.parse_article
                )
            level = logging.DEBUG if exact else logging.INFO  # a URL list: a line per batch
            self.logger.log(
                level,
                "%s: %d article links, %d already known",
                kind,
                batch.candidates,
                batch.already_known,
            )

    # --- articles ------------------------------------------------------------------------
    def parse_article(self, response: Response) -> Iterator[ArticleItem]:
        try:
            yield self.build_item(response)
        except Skip as skip:
            self._skip(response, skip)

    def _skip(self, response: Response, skip: Skip) -> None:
        self.crawler.stats.inc_value(f"skip/{skip.reason}")
        level = logging.WARNING if skip.reason in _LOUD_SKIPS else logging.INFO
        detail = f" ({skip.detail})" if skip.detail else ""
        self.logger.log(level, "No item from %s: %s%s", response.url, skip.reason, detail)

    def build_item(self, response: Response) -> ArticleItem:
        """The item of an article page (``newscrawl.article`` parses it); raises Skip for
        anything that is not one. What the parser noted is counted and logged here."""
        notes: list[Note] = []
        try:
            article = parse_response(
                response,
                type(self),
                strip_zwnj=self.strip_zwnj,
                fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
                notes=notes,
            )
        finally:
            for note in notes:
                self.crawler.stats.inc_value(note.stat, note.count)
                self.logger.log(note.level, note.message)
        item = ArticleItem(**article.fields)
        item["text"] = article.text
        return item


_LOUD_SKIPS = frozenset(
    {"cdn_challenge", "code_mismatch", "empty_body", "no_title", "no_code", "bad_code", "truncated"}
)
