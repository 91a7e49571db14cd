"""Crashes on purpose, at chosen points of an article's way out, for the exactly-once tests.

Loaded into ``scrapy crawl`` subprocesses through settings (``tests`` is on their
PYTHONPATH): ``CRASH_AFTER_ITEMS=n`` and ``CRASH_POINT``:

- ``before_feed``: the n-th article's text file is written, its JSON line is not;
- ``after_feed``: its JSON line is written, it is not yet recorded as seen;
- ``after_commit``: it is recorded as seen (with ``NEWSCRAWL_COMMIT_EVERY=1``);
- ``interrupt``: a Ctrl-C (SIGINT) after the n-th article: Scrapy shuts down gracefully.

``DiskFullExtension`` fails one kind of write with ENOSPC instead (a full disk).
"""

from __future__ import annotations

import errno
import os
import signal
import sqlite3

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


class DiskFullExtension:
    """The disk fills up on the way out of an article: from the ``DISK_FULL_AFTER``-th call
    on, one kind of write fails with ENOSPC, as a full disk makes it fail (``DISK_FULL_AT``):

    - ``text``: the text file's write (half of it reaches the temporary file);
    - ``feed``: the JSON line's write (half of the line reaches the file first);
    - ``fsync``: the fsync of a feed file before a commit;
    - ``store``: the seen-store's SQLite commit ("database or disk is full");
    - ``redis``: the seen-store's Redis write (Redis out of memory).
    """

    def __init__(self, point: str, after: int) -> None:
        self.point, self.after, self.calls = point, after, 0
        install = {
            "text": self._fail_writes_in,
            "feed": self._fail_writes_in,
            "fsync": self._fail_fsync,
            "store": self._fail_sqlite,
            "redis": self._fail_redis,
        }[point]
        install()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DiskFullExtension:
        return cls(crawler.settings["DISK_FULL_AT"], crawler.settings.getint("DISK_FULL_AFTER"))

    def _full(self) -> bool:
        self.calls += 1
        return self.calls >= self.after

    def _fail_writes_in(self) -> None:
        import newscrawl.durable
        import newscrawl.feeds

        # Text files are written through newscrawl.durable (a temporary .txt file renamed).
        module = newscrawl.feeds if self.point == "feed" else newscrawl.durable
        real_write_all = module.write_all

        def write_all(fd: int, data: bytes) -> None:
            text_file = ".txt." in os.readlink(f"/proc/self/fd/{fd}")
            if (self.point == "feed" or text_file) and self._full():
                os.write(fd, data[: len(data) // 2])
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            real_write_all(fd, data)

        module.write_all = write_all

    def _fail_fsync(self) -> None:
        real_fsync = os.fsync

        def fsync(fd: int) -> None:
            if os.readlink(f"/proc/self/fd/{fd}").endswith(".jsonl") and self._full():
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            real_fsync(fd)

        os.fsync = fsync

    def _fail_sqlite(self) -> None:
        from newscrawl.seen import SQLiteSeenStore

        real_write = SQLiteSeenStore._write
        extension = self

        def _write(store, records) -> None:
            if extension._full():
                raise sqlite3.OperationalError("database or disk is full")
            real_write(store, records)

        SQLiteSeenStore._write = _write

    def _fail_redis(self) -> None:
        from redis.exceptions import ResponseError

        from newscrawl.redis_backends import RedisSeenStore

        real_write = RedisSeenStore._write
        extension = self

        def _write(store, records) -> None:
            if extension._full():
                raise ResponseError("OOM command not allowed when used memory > 'maxmemory'.")
            real_write(store, records)

        RedisSeenStore._write = _write
