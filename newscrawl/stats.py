"""The crawl's stats collector (``STATS_CLASS``): Scrapy's ``MemoryStatsCollector``, without
the attribute hook Scrapy 2.19 put on every stats collector.

That hook (``StatsCollector.__getattribute__``) exists to warn when a caller passes the
deprecated ``spider`` argument; it runs on every attribute read, ``self._stats`` inside
``inc_value`` included, and makes one ``inc_value`` cost 3.4 µs instead of 0.2 µs. A replay
crawl counts ~40 stats a page (Scrapy's downloader stats, spidermon's field coverage, ours):
~0.13 ms of CPU a page. The methods are Scrapy's own and still accept ``spider``; only the
deprecation warning for it is gone.
"""

from __future__ import annotations

from scrapy.statscollectors import MemoryStatsCollector


class StatsCollector(MemoryStatsCollector):
    """``MemoryStatsCollector`` whose attributes are read as any object's (Scrapy 2.19's
    hook only wraps its ten methods to warn; anything a later Scrapy adds there would be
    bypassed too: look again when upgrading Scrapy)."""

    __getattribute__ = object.__getattribute__
