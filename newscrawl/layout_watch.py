"""Layout drift alarm: tell the operator when an outlet's pages stop matching its layouts.

A page that none of the outlet's declared layouts matches is still extracted, by trafilatura
on the whole page, and counted in ``extract/fallback`` (see ``NewsSpider``). One such page is
an oddity; many mean the site was redesigned and its selectors need a new ``Layout``. At the
end of a run this extension compares ``extract/fallback`` with ``extract/articles`` (article
pages parsed, with a layout or the fallback) and, when the share is above
``NEWSCRAWL_FALLBACK_ALERT_SHARE`` (default 0.10), logs a WARNING "layout changed?" and sets
the stat ``extract/layout_changed`` to 1. The share itself is always in
``extract/fallback_share`` when any article page was parsed.

This is the one place that decides the alarm: the spidermon monitor "Layout fallback"
(``newscrawl/monitors.py``, run after this extension) only reports the stat.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

DEFAULT_ALERT_SHARE = 0.10
LAYOUT_CHANGED_STAT = "extract/layout_changed"


def alert_share(settings: BaseSettings) -> float:
    """NEWSCRAWL_FALLBACK_ALERT_SHARE, checked to be a share."""
    share = settings.getfloat("NEWSCRAWL_FALLBACK_ALERT_SHARE", DEFAULT_ALERT_SHARE)
    if not 0 <= share <= 1:
        raise ValueError(f"NEWSCRAWL_FALLBACK_ALERT_SHARE={share}: not a share in [0, 1]")
    return share


def fallback_share(stats: Mapping[str, Any]) -> float | None:
    """The share of article pages extracted from the whole page; None without any."""
    articles = stats.get("extract/articles", 0)
    return stats.get("extract/fallback", 0) / articles if articles else None


class LayoutWatchExtension:
    def __init__(self, stats: StatsCollector, alert_share: float) -> None:
        self.stats = stats
        self.alert_share = alert_share

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LayoutWatchExtension:
        extension = cls(crawler.stats, alert_share(crawler.settings))
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Spider, reason: str) -> None:
        share = fallback_share(self.stats.get_stats())
        if share is None:
            return
        fallback = self.stats.get_value("extract/fallback", 0)
        articles = self.stats.get_value("extract/articles")
        self.stats.set_value("extract/fallback_share", round(share, 4))
        if share > self.alert_share:
            self.stats.set_value(LAYOUT_CHANGED_STAT, 1)
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
