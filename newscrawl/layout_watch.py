"""Layout drift alarm: tell the operator when an outlet's pages stop matching its layouts.

A page that none of the outlet's declared layouts matches is still extracted, by trafilatura
on the whole page, and counted in ``extract/fallback`` (see ``NewsSpider``). One such page is
an oddity; many mean the site was redesigned and its selectors need a new ``Layout``. At the
end of a run this extension compares ``extract/fallback`` with ``extract/articles`` (article
pages parsed, with a layout or the fallback) and, when the share is above
``NEWSCRAWL_FALLBACK_ALERT_SHARE`` (default 0.10), logs a WARNING "layout changed?" and sets
the stat ``extract/layout_changed`` to 1. The share itself is always in
``extract/fallback_share`` when any article page was parsed.
"""

from __future__ import annotations

import logging

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

DEFAULT_ALERT_SHARE = 0.10


class LayoutWatchExtension:
    def __init__(self, stats: StatsCollector, alert_share: float) -> None:
        self.stats = stats
        self.alert_share = alert_share

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LayoutWatchExtension:
        alert_share = crawler.settings.getfloat(
            "NEWSCRAWL_FALLBACK_ALERT_SHARE", DEFAULT_ALERT_SHARE
        )
        if not 0 <= alert_share <= 1:
            raise ValueError(f"NEWSCRAWL_FALLBACK_ALERT_SHARE={alert_share}: not a share in [0, 1]")
        extension = cls(crawler.stats, alert_share)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Spider, reason: str) -> None:
        articles = self.stats.get_value("extract/articles", 0)
        if not articles:
            return
        fallback = self.stats.get_value("extract/fallback", 0)
        share = fallback / articles
        self.stats.set_value("extract/fallback_share", round(share, 4))
        if share > self.alert_share:
            self.stats.set_value("extract/layout_changed", 1)
            logger.warning(
                "%s: layout changed? %d of %d article pages (%.0f%%) matched none of its "
                "layouts and were extracted from the whole page (alert above %.0f%%, "
                "NEWSCRAWL_FALLBACK_ALERT_SHARE); the URLs are in the warnings above",
                spider.name,
                fallback,
                articles,
                100 * share,
                100 * self.alert_share,
            )
