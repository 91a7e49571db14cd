"""The crawl's stats collector (newscrawl/stats.py): Scrapy's MemoryStatsCollector, read
without Scrapy's per-attribute deprecation hook."""

from __future__ import annotations

import warnings

import pytest
from scrapy import Spider
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from newscrawl.stats import StatsCollector


def _stats() -> MemoryStatsCollector:
    settings = {"STATS_CLASS": get_project_settings()["STATS_CLASS"]}
    return get_crawler(Spider, settings_dict=settings).stats


def test_the_project_counts_with_its_stats_collector():
    assert type(_stats()) is StatsCollector


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


@pytest.mark.parametrize("stats_class", [MemoryStatsCollector, StatsCollector])
def test_a_caller_that_passes_the_spider_still_counts(stats_class):
    """scrapy-redis's scheduler passes ``spider=``; older code passes it by position."""
    stats = stats_class(get_crawler(Spider))
    spider = Spider("outlet")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Scrapy's own collector warns, ours does not
        stats.inc_value("a", spider=spider)
        stats.inc_value("a", 1, 0, spider)
        stats.set_value("b", 2, spider)
        stats.max_value("c", 5, spider=spider)
        value = stats.get_value("a", None, spider)
        everything = stats.get_stats(spider)
    assert value == 2
    assert everything == {"a": 2, "b": 2, "c": 5}


def test_only_scrapys_deprecation_warning_is_gone():
    spider = Spider("outlet")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        StatsCollector(get_crawler(Spider)).inc_value("a", spider=spider)
        with pytest.raises(Warning):
            MemoryStatsCollector(get_crawler(Spider)).inc_value("a", spider=spider)
