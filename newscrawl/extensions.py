"""Scrapy extensions of the project."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector

# This spider's own ERROR and CRITICAL log records (SpiderErrorLogCount).
ERROR_LOG_STAT = "log/errors"


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


class Monitoring:
    """spidermon's extension (the monitors of newscrawl/monitors.py at spider close), loaded
    only when ``SPIDERMON_ENABLED``: spidermon and what it imports (jsonschema, arrow...)
    cost ~0.1 s of CPU a process, for nothing when monitoring is off. Listed in
    ``EXTENSIONS`` instead of ``spidermon.contrib.scrapy.extensions.Spidermon``, which
    Scrapy would import even when it is switched off."""

    @classmethod
    def from_crawler(cls, crawler: Crawler):
        if not crawler.settings.getbool("SPIDERMON_ENABLED"):
            raise NotConfigured("SPIDERMON_ENABLED is off")
        from newscrawl.monitors import Spidermon  # spidermon's, one ERROR line a failure

        return Spidermon.from_crawler(crawler)


class SpiderErrorLogCount:
    """Count this spider's ERROR and CRITICAL log records in the stat ``log/errors``.

    Scrapy's ``log_count/ERROR`` counts every record of the process: in ``scrapy crawlall``
    one outlet's errors (and spidermon's report of its failed monitors) would fail the error
    monitor of every other outlet. Records naming another spider (Scrapy's and spidermon's
    carry ``extra={"spider": ...}``) are left out; records naming none are counted."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats
        self.handler: logging.Handler | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SpiderErrorLogCount:
        extension = cls(crawler.stats)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        self.handler = _SpiderRecordCounter(spider, self.stats)
        logging.root.addHandler(self.handler)

    def spider_closed(self, spider: Spider) -> None:
        if self.handler is not None:
            logging.root.removeHandler(self.handler)
            self.handler = None


class _SpiderRecordCounter(logging.Handler):
    def __init__(self, spider: Spider, stats: StatsCollector) -> None:
        super().__init__(level=logging.ERROR)
        self.spider = spider
        self.stats = stats

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "spider", None) in (None, self.spider):
            self.stats.inc_value(ERROR_LOG_STAT)
