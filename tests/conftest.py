"""Shared test helpers: the outlets' fixtures, and spiders built as Scrapy builds them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from scrapy.responsetypes import responsetypes
from scrapy.spiderloader import SpiderLoader
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.project import get_project_settings

from newscrawl.replay import MANIFEST_NAME, SavedPage, load_response, read_manifest
from newscrawl.spider import NewsSpider

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
OUTLETS = ("borna", "kayhan", "mashregh", "tasnim")


@dataclass(frozen=True)
class ArticleFixture:
    outlet: str
    url: str
    page: SavedPage
    expected: dict

    @property
    def id(self) -> str:
        return f"{self.outlet}-{self.page.path.stem}"


def manifest(outlet: str) -> dict[str, SavedPage]:
    return dict(read_manifest(FIXTURES / outlet / MANIFEST_NAME))


def article_fixtures(outlet: str | None = None) -> list[ArticleFixture]:
    found = []
    for name in [outlet] if outlet else OUTLETS:
        for url, page in manifest(name).items():
            expected_path = page.path.with_suffix(".json")
            if page.path.suffix == ".html" and expected_path.exists():
                expected = json.loads(expected_path.read_text(encoding="utf-8"))
                found.append(ArticleFixture(name, url, page, expected))
    return found


def fixture_response(outlet: str, file_name: str) -> Response:
    """The response replay would serve for the fixture file ``file_name`` of ``outlet``."""
    for url, page in manifest(outlet).items():
        if page.path.name == file_name:
            response = load_response(url, page)
            return response.replace(request=Request(url))
    raise LookupError(f"{file_name} is not in {outlet}'s manifest")


def make_response(
    url: str, body: bytes, status: int = 200, content_type: str = "text/html; charset=utf-8"
) -> Response:
    headers = {"Content-Type": content_type}
    cls = responsetypes.from_args(headers=headers, url=url, body=body)
    return cls(url=url, body=body, status=status, headers=headers, request=Request(url))


def make_spider(outlet: str, **settings) -> NewsSpider:
    """A spider of ``outlet`` with the project's settings (plus ``settings``)."""
    project = get_project_settings()
    project.setdict(settings, priority="cmdline")
    spidercls = SpiderLoader.from_settings(project).load(outlet)
    # A crawler that is never started: parse tests call the spider's callbacks directly.
    crawler = Crawler(spidercls, project)
    crawler.stats = MemoryStatsCollector(crawler)
    return spidercls.from_crawler(crawler)


@pytest.fixture
def spider_factory():
    return make_spider


COMPARED_FIELDS = (
    "outlet",
    "code",
    "url",
    "title",
    "uptitle",
    "lead",
    "body",
    "published",
    "published_text",
    "category",
    "tags",
    "author",
    "images",
)


def assert_item_matches(item: dict, expected: dict) -> None:
    """Field by field, so that a failure names the field."""
    for field in COMPARED_FIELDS:
        assert item.get(field) == expected.get(field), (
            f"{expected['code']}: field {field!r} differs"
        )
    for leak in expected.get("leaks", []):
        assert leak not in item["body"], f"{expected['code']}: boilerplate leaked: {leak!r}"
        assert leak not in item["text"], f"{expected['code']}: boilerplate leaked: {leak!r}"
