"""Scrapy extensions of the project."""

from __future__ import annotations

import json
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured


class StatsFileExtension:
    """Write the crawl's final stats as JSON to ``NEWSCRAWL_STATS_FILE`` (for schedulers,
    monitoring and tests, which should not scrape the log). ``{spider}`` in the name is
    replaced with the spider name."""

    def __init__(self, crawler: Crawler, template: str) -> None:
        self.crawler = crawler
        self.template = template

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StatsFileExtension:
        template = crawler.settings.get("NEWSCRAWL_STATS_FILE")
        if not template:
            raise NotConfigured
        extension = cls(crawler, template)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider, reason: str) -> None:
        stats = self.crawler.stats.get_stats()  # finish_reason set by CoreStats already
        path = Path(self.template.format(spider=spider.name))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(stats, default=str, indent=1, sort_keys=True), encoding="utf-8")
