"""The crawl's stats collector (newscrawl/stats.py): Scrapy's MemoryStatsCollector, read
without Scrapy's per-attribute deprecation hook."""

from __future__ import annotations

from scrapy import Spider
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from newscrawl.stats import StatsCollector


def _stats() -> MemoryStatsCollector:
    settings = {"STATS_CLASS": get_project_settings()["STATS_CLASS"]}
    crawler = get_crawler(Spider, settings_dict=settings)
    crawler._apply_settings()
    return crawler.stats


def test_the_project_counts_with_its_stats_collector():
    stats = _stats()
    assert type(stats) is StatsCollector
    # Scrapy's hook (StatsCollector.__getattribute__) is not on the path of a stat.
    assert type(stats).__getattribute__ is object.__getattribute__


def test_it_counts_as_scrapys_memory_stats_collector():
    stats = _stats()
    stats.inc_value("pages")
    stats.inc_value("pages", 2)
    stats.inc_value("items", start=10)
    stats.max_value("largest", 3)
    stats.max_value("largest", 2)
    stats.min_value("smallest", 3)
    stats.min_value("smallest", 5)
    stats.set_value("reason", "x")
    assert stats.get_stats() == {
        "pages": 3,
        "items": 11,
        "largest": 3,
        "smallest": 3,
        "reason": "x",
    }
    assert stats.get_value("missing", 7) == 7
    spider = Spider("outlet")
    stats._crawler.spider = spider
    stats.close_spider(spider, reason="finished")
    assert stats.spider_stats["outlet"]["pages"] == 3  # kept at close, as Scrapy's
