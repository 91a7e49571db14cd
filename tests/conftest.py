"""Shared test helpers: the outlets' fixtures, and spiders built as Scrapy builds them."""

from __future__ import annotations

import gc
import os
import runpy
import shutil
import tempfile
from pathlib import Path

import pytest
from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from newscrawl.replay import SavedPage

# Shared with the quality report (python -m bench.quality).
from tests import fixture_pages as shared_fixtures
from tests.fixture_pages import (
    EXPECTED_FIELDS,
    ArticleFixture,
    make_spider,
    page_response,
    saved_pages,
)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
OUTLETS = ("borna", "kayhan", "mashregh", "tasnim")


@pytest.fixture(autouse=True)
def _garbage_collector_left_on():
    """No test leaves the collector off (a crawl command holds it off through its
    start-up, newscrawl/startup_gc.py): the tests after it would run without it."""
    yield
    assert gc.isenabled(), "the test left the garbage collector off"


# The bad-input pages (a replay source of the Kayhan spider), derived from a good Kayhan page
# by tests/fixtures/bad/derive.py, byte for byte the same each time: built for the session,
# outside the source tree, not kept in the repository. Named, not created, at import: crawl
# subprocesses import test modules too (a monitor action of test_monitors), and this one.
BAD_PAGES = Path(tempfile.gettempdir()) / f"newscrawl-bad-pages-{os.getpid()}" / "kayhan"


def pytest_sessionstart(session: pytest.Session) -> None:
    shutil.rmtree(BAD_PAGES.parent, ignore_errors=True)
    runpy.run_path(str(FIXTURES / "bad" / "derive.py"))["main"](BAD_PAGES)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(BAD_PAGES.parent, ignore_errors=True)


SPIDERS = SpiderLoader.from_settings(get_project_settings())


def manifest(outlet: str) -> dict[str, SavedPage]:
    return saved_pages(FIXTURES / outlet)


def article_fixtures(outlet: str | None = None) -> list[ArticleFixture]:
    return [
        fixture
        for name in ([outlet] if outlet else OUTLETS)
        for fixture in shared_fixtures.article_fixtures(FIXTURES / name)
    ]


def fixture_response(outlet: str, file_name: str) -> Response:
    """The response replay would serve for the fixture file ``file_name`` of ``outlet``."""
    for url, page in manifest(outlet).items():
        if page.path.name == file_name:
            return page_response(url, page)
    raise LookupError(f"{file_name} is not in {outlet}'s manifest")


def make_response(
    url: str, body: bytes, status: int = 200, content_type: str = "text/html; charset=utf-8"
) -> Response:
    """The response the downloader would build (its class chosen from the headers)."""
    headers = Headers({"Content-Type": content_type})
    cls = responsetypes.from_args(headers=headers, url=url, body=body)
    return cls(url=url, body=body, status=status, headers=headers, request=Request(url))


@pytest.fixture
def spider_factory():
    return make_spider


# Every field an expected item holds (tests/fixture_pages.py).
COMPARED_FIELDS = EXPECTED_FIELDS


def assert_item_matches(item: dict, expected: dict) -> None:
    """Field by field, so that a failure names the field."""
    for field in COMPARED_FIELDS:
        assert item.get(field) == expected.get(field), (
            f"{expected['code']}: field {field!r} differs"
        )
    for leak in expected.get("leaks", []):
        assert leak not in item["body"], f"{expected['code']}: boilerplate leaked: {leak!r}"
        assert leak not in item["text"], f"{expected['code']}: boilerplate leaked: {leak!r}"
