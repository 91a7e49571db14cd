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

When an output cannot be written (a full disk, a read-only directory, the seen-store's
SQLite file or Redis failing), the crawl stops at once (finish reason ``output_failed``,
one ERROR line) and rolls back to its last commit: every feed file is truncated to its size
then and the articles staged since are forgotten, so the files hold exactly what the
seen-store holds, and the next run fetches the rest again. A crawl does not start at all
(``low_disk_space``) with less than ``NEWSCRAWL_MIN_FREE_MB`` free where it writes.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.settings import BaseSettings
from scrapy.utils.defer import deferred_from_coro
from w3lib.url import file_uri_to_path

from newscrawl.document import content_hash
from newscrawl.manifest import (
    ManifestEntry,
    SpooledEntries,
    build_manifest,
    manifest_written,
    run_id,
    write_manifest,
)
from newscrawl.seen import MemorySeenStore, SeenStore, SQLiteSeenStore, connect_sqlite

logger = logging.getLogger(__name__)

# Finish reasons of a crawl stopped by its outputs: an output write failed, or the disk was
# too full to start. ``scrapy crawl`` and ``crawlall`` exit non-zero on them.
OUTPUT_FAILED = "output_failed"
LOW_DISK_SPACE = "low_disk_space"
OUTPUT_FAILURE_REASONS = (OUTPUT_FAILED, LOW_DISK_SPACE)

_JOURNAL_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    spider TEXT NOT NULL,
    started REAL NOT NULL,
    finished REAL,
    feeds TEXT NOT NULL DEFAULT '[]'
);
"""


@dataclass(frozen=True)
class JournalRun:
    """A run as the journal knows it: each feed file with the size it had when the run
    opened it (what the run wrote starts there), and its text directory."""

    id: int
    started: float
    text_dir: str | None
    feeds: list[tuple[str, int]]


class RunJournal:
    """Which runs are under way and which JSON-lines files each writes (SQLite)."""

    def __init__(self, path: Path) -> None:
        self._db = connect_sqlite(path)
        self._db.executescript(_JOURNAL_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(runs)")}
        if "text_dir" not in columns:  # journals written before run manifests
            self._db.execute("ALTER TABLE runs ADD COLUMN text_dir TEXT")

    def unfinished(self, spider: str) -> list[JournalRun]:
        rows = self._db.execute(
            "SELECT id, started, text_dir, feeds FROM runs WHERE spider = ? AND finished IS NULL",
            (spider,),
        ).fetchall()
        return [
            JournalRun(run_id, started, text_dir, [_feed_entry(f) for f in json.loads(feeds)])
            for run_id, started, text_dir, feeds in rows
        ]

    def start(self, spider: str, text_dir: str | None = None) -> tuple[int, float]:
        started = time.time()
        cursor = self._db.execute(
            "INSERT INTO runs (spider, started, text_dir) VALUES (?, ?, ?)",
            (spider, started, text_dir),
        )
        return int(cursor.lastrowid), started

    def add_feed(self, run_id: int, path: str, offset: int = 0) -> None:
        (feeds,) = self._db.execute("SELECT feeds FROM runs WHERE id = ?", (run_id,)).fetchone()
        entries = [_feed_entry(f) for f in json.loads(feeds)]
        if path not in (p for p, _ in entries):
            entries.append((path, offset))
            self._db.execute(
                "UPDATE runs SET feeds = ? WHERE id = ?",
                (json.dumps([list(e) for e in entries]), run_id),
            )

    def finish(self, run_id: int) -> None:
        self._db.execute("UPDATE runs SET finished = ? WHERE id = ?", (time.time(), run_id))

    def close(self) -> None:
        self._db.close()


def _feed_entry(value) -> tuple[str, int]:
    """A feed of the journal: ``[path, offset]``, or a plain path (written from offset 0)
    in journals from before run manifests."""
    return (value, 0) if isinstance(value, str) else (value[0], int(value[1]))


def trim_partial_line(path: Path) -> int:
    """Cut a last line that has no newline (a write cut short) off a JSON-lines file;
    returns the bytes removed. Appending after it would make the next line unreadable too."""
    with path.open("r+b") as handle:
        end = handle.seek(0, os.SEEK_END)
        position = end
        while position > 0:
            start = max(0, position - 65536)
            handle.seek(start)
            chunk = handle.read(position - start)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                position = start + newline + 1
                break
            position = start
        if position < end:
            handle.truncate(position)
            logger.warning("Removed a cut-off last line (%d bytes) from %s", end - position, path)
        return end - position


def complete_lines(path: Path, offset: int = 0):
    """The items of a JSON-lines file from ``offset`` on, leaving out a last line that was
    cut short."""
    for _, item in complete_lines_at(path, offset):
        yield item


def complete_lines_at(path: Path, offset: int = 0, end: int | None = None):
    """``(offset, item)`` of each complete line of a JSON-lines file from ``offset`` on (to
    ``end``: where another run's lines begin)."""
    with path.open("rb") as handle:
        handle.seek(offset)
        for line in handle:
            if not line.endswith(b"\n") or (end is not None and offset >= end):
                break
            try:
                yield offset, json.loads(line)
            except ValueError:
                logger.warning("Unreadable line in %s ignored during recovery", path)
            offset += len(line)


def _default_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


# What ``open()`` would give a new file. Files written through ``tempfile.mkstemp`` (text
# files, manifests) get it too instead of mkstemp's 0600, so that an ingestion tool running
# as another user can read them.
FILE_MODE = _default_file_mode()


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DurableOutputs:
    """Files written since the last commit, fsynced just before it: each file and each
    directory once per batch, instead of an fsync in the way of every write. ``open_files``
    are the run's feed files (``newscrawl.feeds.LineAtomicFile``): at a commit each
    remembers its size, and a rollback truncates it back to that size."""

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
                _fsync_path(path)
            except FileNotFoundError:
                continue
            directories.add(path.parent)
        for directory in directories:  # the renames that put the files in place
            _fsync_path(directory)
        self.paths.clear()

    def committed(self) -> None:
        for handle in self.open_files:
            handle.mark_committed()

    def roll_back(self) -> None:
        """Truncate every feed file to its size at the last commit."""
        self.paths.clear()
        for handle in self.open_files:
            handle.roll_back()


def output_directories(settings: BaseSettings) -> list[Path]:
    """Where a crawl writes: the text directory, the seen-store's, and each local feed's (up
    to its first ``%(...)s`` placeholder)."""
    directories = [Path(settings.get("NEWSCRAWL_TEXT_DIR") or ".")]
    if settings.get("NEWSCRAWL_MANIFEST_DIR"):  # the manifests, and the run's spool of them
        directories.append(Path(settings.get("NEWSCRAWL_MANIFEST_DIR")))
    if settings.get("NEWSCRAWL_STATE"):
        directories.append(Path(settings.get("NEWSCRAWL_STATE")).parent)
    for uri in settings.getdict("FEEDS"):
        uri = str(uri)
        scheme = urlparse(uri).scheme
        if scheme == "file":
            uri = file_uri_to_path(uri)
        elif scheme and len(scheme) > 1:  # s3://, ftp://...: not this machine's disk
            continue
        directories.append(Path(uri.split("%(")[0] + "x").parent)
    return directories


def low_disk_space(settings: BaseSettings) -> str | None:
    """Why the crawl must not start (less than ``NEWSCRAWL_MIN_FREE_MB`` free on a disk it
    writes to), or None."""
    minimum = settings.getfloat("NEWSCRAWL_MIN_FREE_MB", 0)
    if minimum <= 0:
        return None
    for directory in output_directories(settings):
        existing = directory.absolute()
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        free = shutil.disk_usage(existing).free / 2**20
        if free < minimum:
            return (
                f"only {free:.0f} MB free on the disk of {directory}, below"
                f" NEWSCRAWL_MIN_FREE_MB={minimum:g}: free some space or lower the setting"
            )
    return None


def open_seen_store(settings: BaseSettings) -> SeenStore:
    """Redis when ``REDIS_URL`` is set (shared by all workers); else the SQLite file
    ``NEWSCRAWL_STATE`` names, or memory when that is empty."""
    if settings.get("REDIS_URL"):
        from newscrawl.redis_backends import RedisSeenStore  # scrapy-redis only when used

        return RedisSeenStore.from_settings(settings)
    path = settings.get("NEWSCRAWL_STATE")
    return SQLiteSeenStore(path) if path else MemorySeenStore()


class CrawlState:
    """The state one crawler (one spider run) works with. ``CrawlStateExtension`` creates
    and closes it; the spider, the pipelines and the feed storage read it with
    ``CrawlState.of(crawler)``."""

    @staticmethod
    def of(crawler: Crawler) -> CrawlState:
        """The state ``CrawlStateExtension`` opened for ``crawler`` (on ``spider_opened``)."""
        state = getattr(crawler, "crawl_state", None)
        if state is None:
            raise RuntimeError(
                "no crawl state: newscrawl.state.CrawlStateExtension is not in EXTENSIONS,"
                " or the spider is not open yet"
            )
        return state

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.spider_name = crawler.spidercls.name
        self.outputs = DurableOutputs()
        self.commit_every = settings.getint("NEWSCRAWL_COMMIT_EVERY", 100)
        self.commit_interval = settings.getfloat("NEWSCRAWL_COMMIT_INTERVAL", 5.0)
        self._staged = 0
        self._staged_articles = 0  # of the staged records, written articles (for the stats)
        self._last_commit = time.monotonic()
        self.closed = False
        self._rolled_back = True  # whether the files agree with the store after a failure
        # Why this crawl must not start, or why it stopped writing (then nothing more is
        # written or recorded as seen).
        self.refusal = low_disk_space(settings)
        self.refusal_reason = LOW_DISK_SPACE
        self.failure: str | None = None
        self.store: SeenStore = MemorySeenStore()
        self.journal: RunJournal | None = None
        self.run_id: int | None = None
        self.text_dir = str(Path(settings.get("NEWSCRAWL_TEXT_DIR") or ".").absolute())
        manifest_dir = settings.get("NEWSCRAWL_MANIFEST_DIR")
        self.manifest_dir = Path(manifest_dir) if manifest_dir else None
        # The run manifest's articles: committed (on disk until the manifest is written),
        # and written since the last commit; the JSON lines (file, offset) written for the
        # article the feed exports are writing.
        self.manifest_entries: SpooledEntries | None = None
        self._pending_entries: list[ManifestEntry] = []
        self.pending_lines: list[tuple[str, int]] = []
        self.started = time.time()
        self.run = run_id(self.spider_name, self.started, uuid.uuid4().hex[:8])
        if self.refusal:  # touch nothing on a disk that is full
            return
        try:
            self.store = open_seen_store(settings)
            path = settings.get("NEWSCRAWL_STATE")
            self.journal = RunJournal(Path(path)) if path else None
            if self.journal:
                self._recover()
                self.run_id, self.started = self.journal.start(self.spider_name, self.text_dir)
                self.run = run_id(self.spider_name, self.started, self.run_id)
        except self.write_errors as error:
            self.refusal = f"cannot write the seen-store, run journal or manifests: {error}"
            self.refusal_reason = OUTPUT_FAILED

    def _recover(self) -> None:
        """Record as seen what interrupted runs of this spider already emitted, and write
        their manifests."""
        recovered = 0
        runs = self.journal.unfinished(self.spider_name)
        for run in runs:
            entries = SpooledEntries(self.manifest_dir) if self.manifest_dir else None
            try:
                recovered += self._recover_run(run, runs, entries)
            finally:
                if entries is not None:
                    entries.close()
            self.journal.finish(run.id)
        if recovered:
            logger.warning(
                "Recovered %d articles emitted by an interrupted %s run: not fetched again",
                recovered,
                self.spider_name,
            )

    def _recover_run(
        self, run: JournalRun, runs: list[JournalRun], entries: SpooledEntries | None
    ) -> int:
        """Record one interrupted run's articles as seen and write its manifest (when
        ``entries`` spools it); how many articles were new to the store."""
        recovered = 0
        for feed, offset in run.feeds:
            path = Path(feed)
            if not path.exists():
                continue
            trim_partial_line(path)
            # Two interrupted runs appending to one file: each has its own part.
            later = [o for r in runs if r.id > run.id for f, o in r.feeds if f == feed]
            end = min(later, default=None)
            listed = []
            for line_offset, item in complete_lines_at(path, offset, end):
                key = (item.get("outlet"), item.get("code"))
                if None in key or not item.get("text"):
                    continue
                known = self.store.get(key)
                digest = content_hash(item["text"])
                if known is None or known.content_hash != digest:
                    self.store.record(key, digest)
                    recovered += 1
                if entries is not None:
                    listed.append(self._entry(item, ((feed, line_offset),), run.text_dir))
            if entries is not None:  # one append a feed file, not a write a line
                entries.extend(listed)
        self.store.commit()
        name = run_id(self.spider_name, run.started, run.id)
        # Killed (or its journal not written) after its own manifest was: listed already.
        if entries and not manifest_written(self.manifest_dir, name):
            manifest = build_manifest(name, self.spider_name, run.started, None, entries)
            write_manifest(self.manifest_dir, manifest, FILE_MODE)
        return recovered

    def _entry(self, item, lines: tuple = (), text_dir: str | None = None) -> ManifestEntry:
        revision = int(item.get("revision") or 1)
        return ManifestEntry(
            item["outlet"], item["code"], revision, text_dir or self.text_dir, lines
        )

    def add_feed(self, path: Path, offset: int = 0) -> None:
        # A feed opened after the run closed (Scrapy opens empty feeds at the very end)
        # holds no item: nothing to recover from it.
        if self.journal is not None and not self.closed:
            self.journal.add_feed(self.run_id, str(path.resolve()), offset)

    def article_written(self, item) -> None:
        """An article's outputs are written (its JSON lines are ``pending_lines``): it goes
        in the run manifest once committed."""
        self._pending_entries.append(self._entry(item, tuple(self.pending_lines)))
        self.pending_lines.clear()

    @property
    def write_errors(self) -> tuple[type[BaseException], ...]:
        """What a failed write of an output, the journal or the seen-store raises."""
        return (OSError, sqlite3.Error, *self.store.write_errors)

    @property
    def writable(self) -> bool:
        return self.failure is None and self.refusal is None

    def fail(self, what: str, error: BaseException) -> None:
        """An output could not be written: roll back to the last commit and stop the crawl.
        Only the first failure is reported (one ERROR line); later ones are consequences."""
        if self.failure is not None:
            logger.debug("Also failed after the crawl stopped writing: %s: %s", what, error)
            return
        self.failure = f"{what}: {error}"
        stats = self.crawler.stats
        rolled_back = self._staged_articles
        self._staged = self._staged_articles = 0
        try:
            self.outputs.roll_back()
        except OSError as rollback_error:  # the next run's recovery reads what remains
            self._rolled_back = False
            logger.warning("Could not truncate the feed files back: %s", rollback_error)
        self.store.discard_staged()
        self._pending_entries, self.pending_lines = [], []
        if stats is not None:
            stats.set_value("output/failed", self.failure)
            stats.inc_value("output/rolled_back", rolled_back)
            stats.inc_value("output/articles_committed", 0)  # maybe none: the summary's "new"
        logger.error(
            "Output failed, the crawl stops: cannot write %s. Rolled back to the last commit:"
            " %d written articles not recorded as seen, fetched again by the next run",
            self.failure,
            rolled_back,
        )
        try:
            engine = self.crawler.engine
        except RuntimeError:  # not crawling (a crawler built to call the pipelines directly)
            return
        if not self.closed and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason=OUTPUT_FAILED))

    def staged(self, article: bool = True) -> None:
        """One more record staged (``article``: a written article, not a last-seen update);
        commit when the batch is full or old enough."""
        self._staged += 1
        self._staged_articles += article
        if (
            self._staged >= self.commit_every
            or time.monotonic() - self._last_commit >= self.commit_interval
        ):
            self.commit()

    def commit(self) -> bool:
        """Make the outputs durable, then the staged records; False (and the crawl stops)
        when either fails."""
        if not self.writable:
            return False
        try:
            self.outputs.sync()
        except self.write_errors as error:
            self.fail("the outputs (fsync)", error)
            return False
        try:
            self.store.commit()
        except self.write_errors as error:
            self.fail("the seen-store", error)
            return False
        self.outputs.committed()
        spool_error = self._spool_pending_entries()
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("output/articles_committed", self._staged_articles)
        self._staged = self._staged_articles = 0
        self._pending_entries = []
        if spool_error is not None:
            # The seen-store has the batch (committed, not rolled back): the manifest must
            # list it, or an ingestion tool would never learn of those articles. The journal
            # keeps this run, and the next run writes its manifest from the feed files.
            self._rolled_back = False
            self.fail("the run manifest's spool", spool_error)
            return False
        self._last_commit = time.monotonic()
        return True

    def _spool_pending_entries(self) -> OSError | None:
        """Add the committed batch to the run manifest's spool; the error if it fails."""
        if not self._pending_entries or self.manifest_dir is None:
            return None
        try:
            if self.manifest_entries is None:
                self.manifest_entries = SpooledEntries(self.manifest_dir)
            self.manifest_entries.extend(self._pending_entries)
        except OSError as error:
            return error
        return None

    def close(self) -> None:
        """Commit everything: whatever the finish reason (even a pause of a JOBDIR crawl),
        the run's outputs and the store now agree, so the run needs no recovery."""
        if self.closed:
            return
        self.closed = True
        if self.refusal:
            return
        agreed = self.commit() or self._rolled_back
        try:
            self.store.close()
            agreed = agreed and self._write_manifest()
            if self.journal is not None:
                if agreed:
                    self.journal.finish(self.run_id)
                self.journal.close()
        except self.write_errors as error:
            # The journal still lists this run: the next one recovers its feed files.
            logger.warning("Could not close the seen-store cleanly: %s", error)
        finally:
            if self.manifest_entries is not None:
                self.manifest_entries.close()

    def _write_manifest(self) -> bool:
        """The run manifest, if the run wrote articles; False when it could not be written
        (the journal then keeps the run, and the next run writes it from the feeds)."""
        entries = self.manifest_entries
        if self.manifest_dir is None or not entries:
            return True
        manifest = build_manifest(
            self.run,
            self.spider_name,
            self.started,
            time.time(),
            entries,
            self.failure,
        )
        try:
            path = write_manifest(self.manifest_dir, manifest, FILE_MODE)
        except OSError as error:
            logger.warning("Run manifest not written (the next run writes it): %s", error)
            return False
        logger.info("Run manifest: %s (%d articles)", path, len(entries))
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("output/manifest", str(path))
        return True


class CrawlStateExtension:
    """The one owner of a crawler's ``CrawlState``: opens it on ``spider_opened`` and
    closes it on ``spider_closed``; everything else reads it with ``CrawlState.of``.

    Listed in ``EXTENSIONS`` before Scrapy's feed exports (order 0), so that its handlers
    run before theirs: an interrupted earlier run is recovered from the feed files before
    they are opened (and maybe truncated), and the last batch is committed before they are
    closed. It opens once the add-ons have set the mode's seen-store. A crawl refused at
    the start (low disk space, an unwritable store) is closed from here."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlStateExtension:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def open(self) -> CrawlState:
        """Open the crawler's state (recovering interrupted runs first)."""
        state = CrawlState(self.crawler)
        self.crawler.crawl_state = state
        return state

    def spider_opened(self, spider) -> None:
        state = self.open()
        if state.refusal:
            logger.error("%s does not start: %s", state.spider_name, state.refusal)
            raise CloseSpider(state.refusal_reason)

    def spider_closed(self, spider, reason: str) -> None:
        state = getattr(self.crawler, "crawl_state", None)
        if state is not None:
            state.close()
