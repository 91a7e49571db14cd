"""A crawl's persistent state: the seen-store, the run journal, and output durability.

Exactly once, across runs and crashes, rests on one order of events per article:

1. the text file is written (atomically) and the JSON line is written (one ``write`` call,
   see ``newscrawl.feeds``);
2. only then is the article recorded in the seen-store, in batches: before a batch is
   committed, the outputs written since the last batch are fsynced.

A run killed between 1 and 2 left lines in its JSON-lines files that the store does not
know. The run journal remembers which files each run writes; a run that did not finish is
recovered by the next one, before anything else happens: every complete line of its files is
recorded as seen, so those articles are neither fetched nor emitted again, and the ones
that never reached a line are fetched again.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from weakref import WeakKeyDictionary

from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings

from newscrawl.document import content_hash
from newscrawl.seen import MemorySeenStore, SeenStore, SQLiteSeenStore, connect_sqlite

logger = logging.getLogger(__name__)

_JOURNAL_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    spider TEXT NOT NULL,
    started REAL NOT NULL,
    finished REAL,
    feeds TEXT NOT NULL DEFAULT '[]'
);
"""


class RunJournal:
    """Which runs are under way and which JSON-lines files each writes (SQLite)."""

    def __init__(self, path: Path) -> None:
        self._db = connect_sqlite(path)
        self._db.executescript(_JOURNAL_SCHEMA)

    def unfinished(self, spider: str) -> list[tuple[int, list[str]]]:
        rows = self._db.execute(
            "SELECT id, feeds FROM runs WHERE spider = ? AND finished IS NULL", (spider,)
        ).fetchall()
        return [(run_id, json.loads(feeds)) for run_id, feeds in rows]

    def start(self, spider: str) -> int:
        cursor = self._db.execute(
            "INSERT INTO runs (spider, started) VALUES (?, ?)", (spider, time.time())
        )
        return int(cursor.lastrowid)

    def add_feed(self, run_id: int, path: str) -> None:
        (feeds,) = self._db.execute("SELECT feeds FROM runs WHERE id = ?", (run_id,)).fetchone()
        paths = json.loads(feeds)
        if path not in paths:
            self._db.execute(
                "UPDATE runs SET feeds = ? WHERE id = ?", (json.dumps([*paths, path]), run_id)
            )

    def finish(self, run_id: int) -> None:
        self._db.execute("UPDATE runs SET finished = ? WHERE id = ?", (time.time(), run_id))

    def close(self) -> None:
        self._db.close()


def complete_lines(path: Path):
    """The items of a JSON-lines file, leaving out a last line that was cut short."""
    with path.open("rb") as handle:
        for line in handle:
            if not line.endswith(b"\n"):
                break
            try:
                yield json.loads(line)
            except ValueError:
                logger.warning("Unreadable line in %s ignored during recovery", path)


class DurableOutputs:
    """Files written since the last commit, fsynced just before it: each file and each
    directory once per batch, instead of an fsync in the way of every write."""

    def __init__(self) -> None:
        self.paths: set[Path] = set()
        self.open_files: list = []

    def written(self, path: Path) -> None:
        self.paths.add(path)

    def sync(self) -> None:
        for handle in self.open_files:
            if not handle.closed:
                os.fsync(handle.fileno())
        directories = set()
        for path in self.paths:
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            directories.add(path.parent)
        for directory in directories:  # the renames that put the files in place
            fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        self.paths.clear()


def open_seen_store(settings: BaseSettings) -> SeenStore:
    """Redis when ``REDIS_URL`` is set (shared by all workers); else the SQLite file
    ``NEWSCRAWL_STATE`` names, or memory when that is empty."""
    if settings.get("REDIS_URL"):
        from newscrawl.redis_scheduler import RedisSeenStore  # scrapy-redis only when used

        return RedisSeenStore.from_settings(settings)
    path = settings.get("NEWSCRAWL_STATE")
    return SQLiteSeenStore(path) if path else MemorySeenStore()


class CrawlState:
    """The state one crawler (one spider run) works with."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.spider_name = crawler.spidercls.name
        self.store = open_seen_store(settings)
        self.outputs = DurableOutputs()
        self.commit_every = settings.getint("NEWSCRAWL_COMMIT_EVERY", 100)
        self.commit_interval = settings.getfloat("NEWSCRAWL_COMMIT_INTERVAL", 5.0)
        self._staged = 0
        self._last_commit = time.monotonic()
        path = settings.get("NEWSCRAWL_STATE")
        self.journal = RunJournal(Path(path)) if path else None
        self.closed = False
        if self.journal:
            self._recover()
        self.run_id = self.journal.start(self.spider_name) if self.journal else None

    def _recover(self) -> None:
        """Record as seen what interrupted runs of this spider already emitted."""
        recovered = 0
        for run_id, feeds in self.journal.unfinished(self.spider_name):
            for feed in feeds:
                path = Path(feed)
                if not path.exists():
                    continue
                for item in complete_lines(path):
                    key = (item.get("outlet"), item.get("code"))
                    if None in key or not item.get("text"):
                        continue
                    known = self.store.get(key)
                    digest = content_hash(item["text"])
                    if known is None or known.content_hash != digest:
                        self.store.record(key, digest)
                        recovered += 1
            self.store.commit()
            self.journal.finish(run_id)
        if recovered:
            logger.warning(
                "Recovered %d articles emitted by an interrupted %s run: not fetched again",
                recovered,
                self.spider_name,
            )

    def add_feed(self, path: Path) -> None:
        # A feed opened after the run closed (Scrapy opens empty feeds at the very end)
        # holds no item: nothing to recover from it.
        if self.journal is not None and not self.closed:
            self.journal.add_feed(self.run_id, str(path.resolve()))

    def staged(self) -> None:
        """One more article recorded; commit when the batch is full or old enough."""
        self._staged += 1
        if (
            self._staged >= self.commit_every
            or time.monotonic() - self._last_commit >= self.commit_interval
        ):
            self.commit()

    def commit(self) -> None:
        self.outputs.sync()
        self.store.commit()
        self._staged = 0
        self._last_commit = time.monotonic()

    def close(self) -> None:
        """Commit everything: whatever the finish reason (even a pause of a JOBDIR crawl),
        the run's outputs and the store now agree, so the run needs no recovery."""
        if self.closed:
            return
        self.commit()
        self.store.close()
        if self.journal is not None:
            self.journal.finish(self.run_id)
            self.journal.close()
        self.closed = True


_STATES: WeakKeyDictionary[Crawler, CrawlState] = WeakKeyDictionary()


def crawl_state(crawler: Crawler) -> CrawlState:
    """The crawler's state, created (and interrupted runs recovered) on first use."""
    state = _STATES.get(crawler)
    if state is None:
        state = _STATES[crawler] = CrawlState(crawler)
    return state
