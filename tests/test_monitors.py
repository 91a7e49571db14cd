"""spidermon monitors at spider close (newscrawl/monitors.py): their rules on given stats,
then real ``scrapy crawl`` replays: a clean one passes, one that fell back on every page
fails, is reported in the log and the stats, and runs the configured failure actions."""

from __future__ import annotations

import json
import logging
import re
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, OUTLETS, make_spider
from crawl_helpers import run_crawl
from scrapy import Spider
from scrapy.utils.test import get_crawler
from spidermon import Action, MonitorRunner, MonitorSuite

# The module, not its monitors: pytest would collect them (they are unittest test cases).
from newscrawl import monitors
from newscrawl.extensions import ERROR_LOG_STAT, SpiderErrorLogCount
from newscrawl.layout_watch import LayoutWatchExtension
from tests.fixture_pages import article_fixtures

ALL_MONITORS = 6
FALLBACK_FAILURE = "Layout fallback/share within NEWSCRAWL_FALLBACK_ALERT_SHARE"


class RecordFailedMonitors(Action):
    """A failure action for the crawls below: writes the failed monitors' names to the file
    named by the setting TEST_FAILED_MONITORS_FILE."""

    def run_action(self) -> None:
        names = sorted(result.item.name for result in self.result.monitors_failed_results)
        path = self.data.crawler.settings.get("TEST_FAILED_MONITORS_FILE")
        Path(path).write_text(json.dumps(names), encoding="utf-8")


def failed_monitors(monitor, stats: dict, **settings) -> list[str]:
    crawler = get_crawler(Spider, settings_dict=settings)
    spider = Spider(name="outlet")
    result = MonitorRunner().run(
        MonitorSuite(monitors=[monitor]), stats=stats, crawler=crawler, spider=spider
    )
    return [item.item.name for item in result.monitors_failed_results]


FETCHED = {"extract/articles": 5, "response_received_count": 7}


@pytest.mark.parametrize(
    ("stats", "fails"),
    [
        ({}, False),  # nothing new: no article requested
        (FETCHED, True),
        ({**FETCHED, "item_scraped_count": 1}, False),
        ({**FETCHED, "skip/soft_404": 5}, False),  # each page says why it is no article
        ({**FETCHED, "item_dropped_count": 5}, False),  # already seen
    ],
)
def test_articles_out_rule(stats, fails):
    assert bool(failed_monitors(monitors.ArticlesOutMonitor, stats)) is fails


@pytest.mark.parametrize(
    ("stats", "fails"),
    [
        ({}, False),
        ({"extract/articles": 10, "extract/fallback": 1, "extract/fallback_share": 0.1}, False),
        (
            {
                "extract/articles": 10,
                "extract/fallback": 2,
                "extract/fallback_share": 0.2,
                "extract/layout_changed": 1,
            },
            True,
        ),
    ],
)
def test_layout_fallback_rule(stats, fails):
    assert bool(failed_monitors(monitors.LayoutFallbackMonitor, stats)) is fails


@pytest.mark.parametrize(("share", "alarm"), [(0.5, False), (0.1, True)])
def test_layout_fallback_reports_the_layout_watch_alarm_and_decides_nothing(share, alarm):
    """One place decides (newscrawl/layout_watch.py, with its setting); the monitor fails
    exactly when that extension raised the alarm, whatever the monitor's own settings."""
    spider = make_spider("kayhan", NEWSCRAWL_FALLBACK_ALERT_SHARE=share)
    stats = spider.crawler.stats
    stats.set_value("extract/articles", 10)
    stats.set_value("extract/fallback", 2)
    LayoutWatchExtension.from_crawler(spider.crawler).spider_closed(spider, "finished")
    assert (stats.get_value("extract/layout_changed") == 1) is alarm
    failed = failed_monitors(monitors.LayoutFallbackMonitor, stats.get_stats())
    assert bool(failed) is alarm


@pytest.mark.parametrize(
    ("stats", "fails"),
    [
        ({}, False),
        ({"replay/miss": 1}, False),  # a listing page after the last one saved
        ({"replay/miss": 2, "replay/miss_article": 1}, True),
    ],
)
def test_replay_miss_rule(stats, fails):
    assert bool(failed_monitors(monitors.ReplayMissMonitor, stats)) is fails


@pytest.mark.parametrize(("stats", "fails"), [({}, False), ({ERROR_LOG_STAT: 1}, True)])
def test_error_log_rule(stats, fails):
    assert bool(failed_monitors(monitors.ErrorLogMonitor, stats)) is fails


def test_error_count_is_per_spider():
    """In one process with two crawls, each counts its own ERROR lines and those naming no
    spider, not the other's (Scrapy's log_count/ERROR would count all)."""
    counters = {}
    for name in ("first", "second"):
        crawler = get_crawler(Spider)
        crawler.stats.open_spider()
        spider = Spider(name=name)
        counters[name] = (SpiderErrorLogCount.from_crawler(crawler), crawler.stats, spider)
        counters[name][0].spider_opened(spider)
    first, second = counters["first"][2], counters["second"][2]
    try:
        first.logger.error("an error of the first crawl")
        first.logger.warning("not an error")
        second.logger.critical("a critical error of the second crawl")
        logging.getLogger("newscrawl.somewhere").error("an error naming no spider")
    finally:
        for extension, _, spider in counters.values():
            extension.spider_closed(spider)
    first.logger.error("after the first crawl closed")
    assert counters["first"][1].get_value(ERROR_LOG_STAT) == 2
    assert counters["second"][1].get_value(ERROR_LOG_STAT) == 2


def replay(outlet: str, fixtures: Path, work: Path):
    return run_crawl(
        outlet,
        work,
        "-a",
        f"replay={fixtures}",
        settings={
            "NEWSCRAWL_MONITORS_FAILED_ACTIONS": "test_monitors.RecordFailedMonitors",
            "TEST_FAILED_MONITORS_FILE": work / "failed-monitors.json",
        },
    )


@pytest.mark.parametrize("outlet", OUTLETS)
def test_monitors_pass_on_a_clean_replay(outlet, tmp_path):
    result = replay(outlet, FIXTURES / outlet, tmp_path)
    assert result.returncode == 0, result.log
    assert result.stats["replay/miss"] >= 1  # the listing's next page is not saved
    assert result.stats["monitors/passed"] == ALL_MONITORS, result.log
    assert result.stats["monitors/failed"] == 0
    assert "monitors/failed_names" not in result.stats
    assert not (tmp_path / "failed-monitors.json").exists()  # failure actions did not run


def test_layout_fallback_monitor_fails_when_every_page_fell_back(tmp_path):
    """A redesign nobody declared (class names gone, as in test_outlets): every article still
    comes out, by whole-page extraction, and the monitor says so."""
    outlet = "kayhan"
    fixtures = tmp_path / "fixtures"
    shutil.copytree(FIXTURES / outlet, fixtures)
    for fixture in article_fixtures(fixtures):
        html = fixture.page.path.read_bytes()
        fixture.page.path.write_bytes(re.sub(rb'\s(class|id|style|itemprop)="[^"]*"', b"", html))

    result = replay(outlet, fixtures, tmp_path / "work")
    # A failed monitor fails the crawl, for scrapy crawl as for crawlall.
    assert result.returncode == 1, result.log
    stats = result.stats
    assert stats["extract/fallback"] == stats["extract/articles"] == len(article_fixtures(fixtures))
    assert stats["monitors/failed"] == 1
    assert stats["monitors/failed_names"] == [FALLBACK_FAILURE]
    assert stats["monitors/passed"] == ALL_MONITORS - 1
    # One ERROR line with the reason, no unittest report.
    errors = [line for line in result.log.splitlines() if " ERROR: " in line]
    assert len(errors) == 1, errors
    assert re.search(
        r"ERROR: Monitor failed: "
        + re.escape(FALLBACK_FAILURE)
        + rf": {stats['extract/fallback']} of {stats['extract/fallback']} article pages",
        errors[0],
    )
    assert "Traceback" not in result.log
    recorded = json.loads((tmp_path / "work" / "failed-monitors.json").read_text(encoding="utf-8"))
    assert recorded == [FALLBACK_FAILURE]
