"""Crashes on purpose, at chosen points of an article's way out, for the exactly-once tests.

Loaded into ``scrapy crawl`` subprocesses through settings (``tests`` is on their
PYTHONPATH): ``CRASH_AFTER_ITEMS=n`` and ``CRASH_POINT``:

- ``before_feed``: the n-th article's text file is written, its JSON line is not;
- ``after_feed``: its JSON line is written, it is not yet recorded as seen;
- ``after_commit``: it is recorded as seen (with ``NEWSCRAWL_COMMIT_EVERY=1``);
- ``interrupt``: a Ctrl-C (SIGINT) after the n-th article: Scrapy shuts down gracefully.
"""

from __future__ import annotations

import os
import signal

from scrapy import signals
from scrapy.crawler import Crawler


def _crash(kind: str) -> None:
    os.kill(os.getpid(), signal.SIGINT if kind == "interrupt" else signal.SIGKILL)


class CrashBeforeFeedPipeline:
    """Last item pipeline: dies before Scrapy hands the item to the feed exports."""

    def __init__(self, after: int) -> None:
        self.after, self.count = after, 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrashBeforeFeedPipeline:
        return cls(crawler.settings.getint("CRASH_AFTER_ITEMS"))

    def process_item(self, item):
        self.count += 1
        if self.count == self.after:
            _crash("kill")
        return item


class CrashExtension:
    """Dies (or interrupts) on ``item_scraped``: connected before the pipelines are built,
    it runs after the feed exports wrote the line and before the seen-store records it;
    reconnected on ``spider_opened`` (after the pipelines), after it."""

    def __init__(self, after: int, point: str) -> None:
        self.after, self.point, self.count = after, point, 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrashExtension:
        extension = cls(
            crawler.settings.getint("CRASH_AFTER_ITEMS"), crawler.settings["CRASH_POINT"]
        )
        if extension.point == "after_feed":
            crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        else:

            def connect_late(spider):
                crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)

            extension._connect_late = connect_late  # keep a reference: signals hold weak ones
            crawler.signals.connect(connect_late, signal=signals.spider_opened)
        return extension

    def item_scraped(self, item, response, spider) -> None:
        self.count += 1
        if self.count == self.after:
            _crash(self.point)
