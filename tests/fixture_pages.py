"""Saved fixture pages (``tests/fixtures/<outlet>/``, see its README) and spiders to parse
them offline: shared by the tests and the quality report (``bench.quality``).

An outlet's fixture directory is named after its spider and holds a ``manifest.tsv``. An
article page ``<code>.html`` has its expected item beside it in ``<code>.json``; every other
HTML page of the manifest (soft 404, CDN challenge, listing...) is not an article.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from scrapy.spiderloader import SpiderLoader
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.project import get_project_settings

from newscrawl.replay import MANIFEST_NAME, SavedPage, load_response, read_manifest
from newscrawl.settings import FEED_EXPORT_FIELDS
from newscrawl.spider import NewsSpider
from newscrawl.state import CrawlStateExtension

# The fields an expected item (``<page>.json``) holds: every exported field but the
# document, the fetch's own metadata and what the pipelines add.
EXPECTED_FIELDS = tuple(
    f for f in FEED_EXPORT_FIELDS if f not in ("text", "fetched_at", "revision", "schema_version")
)


@dataclass(frozen=True)
class ArticleFixture:
    outlet: str
    url: str
    page: SavedPage
    expected: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.outlet}-{self.page.path.stem}"


def outlet_directories(root: Path) -> list[Path]:
    """The outlet fixture directories under ``root`` (or ``root`` itself if it is one)."""
    if (root / MANIFEST_NAME).is_file():
        return [root]
    return sorted(p.parent for p in root.glob(f"*/{MANIFEST_NAME}"))


def saved_pages(directory: Path) -> dict[str, SavedPage]:
    """URL → saved page, as the outlet's manifest lists them."""
    return dict(read_manifest(directory / MANIFEST_NAME))


def expected_of(page: SavedPage) -> dict[str, Any] | None:
    """The page's expected outcome (``<page>.json``): an item, or ``{"skip": reason}``."""
    path = page.path.with_suffix(".json")
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def saved_html_pages(directory: Path) -> list[tuple[str, SavedPage]]:
    """(URL, page) of the manifest's HTML pages, manifest order."""
    return [(url, page) for url, page in saved_pages(directory).items() if _is_html_page(page)]


def article_fixtures(directory: Path) -> list[ArticleFixture]:
    """The article pages of one outlet directory, with their expected items, manifest order."""
    found = []
    for url, page in saved_html_pages(directory):
        expected = expected_of(page)
        if expected is not None and "skip" not in expected:
            found.append(ArticleFixture(directory.name, url, page, expected))
    return found


def non_article_pages(directory: Path) -> list[tuple[str, SavedPage]]:
    """(URL, page) of the manifest's HTML pages that give no item (``{"skip": ...}``)."""
    return [
        (url, page)
        for url, page in saved_html_pages(directory)
        if (expected := expected_of(page)) is not None and "skip" in expected
    ]


def _is_html_page(page: SavedPage) -> bool:
    if page.content_type:
        return page.content_type.split(";")[0].strip().lower() in (
            "text/html",
            "application/xhtml+xml",
        )
    return page.path.suffix in (".html", ".htm")


def page_response(url: str, page: SavedPage) -> Response:
    """The response replay serves for a saved page, with its request (as callbacks get it)."""
    return load_response(url, page).replace(request=Request(url))


def make_spider(name: str, *, open_state: bool = True, **settings: Any) -> NewsSpider:
    """A spider ``name`` with the project's settings (plus ``settings``), built by a crawler
    that is never started: callers call its callbacks (and the pipelines) directly; its stats
    are in memory, and so is its seen-store unless ``NEWSCRAWL_STATE`` is given (the project's
    state file belongs to real crawls: what they saw must not change what a test parses).
    Its crawl state is opened as ``CrawlStateExtension`` opens it when a crawl starts (unless
    ``open_state`` is false: nothing is then created on disk); close it with
    ``spider.crawl_state.close()``."""
    project = get_project_settings()
    project.setdict({"NEWSCRAWL_STATE": "", **settings}, priority="cmdline")
    spidercls = SpiderLoader.from_settings(project).load(name)
    crawler = Crawler(spidercls, project)
    crawler.stats = MemoryStatsCollector(crawler)
    spider = spidercls.from_crawler(crawler)
    if open_state:
        CrawlStateExtension(crawler).open()
    return spider
