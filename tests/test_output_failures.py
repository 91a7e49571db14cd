"""A full disk (ENOSPC injected into the writes, or SQLite's own "database or disk is full")
on each output: nothing recorded as seen that was not wholly written, no partial line left
in a feed file, the crawl told to stop. End-to-end runs are in tests/test_exactly_once.py."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from conftest import make_spider
from crawl_helpers import ROOT, crawl_command, crawl_env
from scrapy.exceptions import DropItem
from test_pipelines import item

from newscrawl.feeds import LineAtomicFileFeedStorage
from newscrawl.seen import SQLiteSeenStore
from newscrawl.state import complete_lines, low_disk_space, trim_partial_line
from pipelines.dedupe import DedupePipeline
from pipelines.text_files import TextFilePipeline


def line(code: str) -> bytes:
    return json.dumps({"outlet": "kayhan", "code": code, "text": "x" * 50}).encode() + b"\n"


class DiskFills:
    """``os.write`` on a disk with ``room`` bytes left: what fits is written, then ENOSPC."""

    def __init__(self, room: int) -> None:
        self.room = room
        self.real_write = os.write

    def __call__(self, fd: int, data) -> int:
        if self.room <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written = self.real_write(fd, bytes(data)[: self.room])
        self.room -= written
        return written


def feed_storage(spider, path: Path, overwrite: bool = True):
    storage = LineAtomicFileFeedStorage(str(path), feed_options={"overwrite": overwrite})
    return storage.open(spider)


def test_a_feed_write_that_fills_the_disk_leaves_no_partial_line(tmp_path, monkeypatch):
    spider = make_spider("kayhan", NEWSCRAWL_STATE=str(tmp_path / "state.sqlite3"))
    state = spider.crawl_state
    path = tmp_path / "items.jsonl"
    handle = feed_storage(spider, path)
    handle.write(line("1"))
    state.commit()
    handle.write(line("2"))
    monkeypatch.setattr(os, "write", DiskFills(room=len(line("3")) // 2))
    handle.write(line("3"))  # half of it fits, then the disk is full
    assert state.failure and "No space left on device" in state.failure
    # Back to the last commit: the line of 2 (written, not yet recorded) goes too.
    assert path.read_bytes() == line("1")
    monkeypatch.undo()
    assert handle.write(line("4")) == 0  # the crawl stopped writing
    assert path.read_bytes() == line("1")
    assert spider.crawler.stats.get_value("output/rolled_back") == 0  # none staged yet


def test_an_article_whose_line_failed_is_not_recorded_as_seen(tmp_path, monkeypatch):
    spider = make_spider("kayhan", NEWSCRAWL_STATE=str(tmp_path / "state.sqlite3"))
    pipeline = DedupePipeline.from_crawler(spider.crawler)
    handle = feed_storage(spider, tmp_path / "items.jsonl")
    first, second = pipeline.process_item(item("1")), pipeline.process_item(item("2"))
    handle.write(line("1"))
    pipeline.item_scraped(first, None, None)
    monkeypatch.setattr(os, "write", DiskFills(room=0))
    handle.write(line("2"))  # what the feed exports do on item_scraped, before the store
    pipeline.item_scraped(second, None, None)
    monkeypatch.undo()
    spider.crawl_state.close()  # as CrawlStateExtension does on spider_closed
    store = SQLiteSeenStore(tmp_path / "state.sqlite3")
    assert store.get(("kayhan", "1")) is None  # rolled back: written since the last commit
    assert store.get(("kayhan", "2")) is None
    assert (tmp_path / "items.jsonl").read_bytes() == b""
    with pytest.raises(DropItem):  # nothing more is passed on
        pipeline.process_item(item("3"))


def test_appending_to_a_feed_first_cuts_off_a_partial_last_line(tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_bytes(line("1") + line("2")[:17])
    spider = make_spider("kayhan")
    handle = feed_storage(spider, path, overwrite=False)
    handle.write(line("3"))
    assert path.read_bytes() == line("1") + line("3")
    assert [i["code"] for i in complete_lines(path)] == ["1", "3"]


@pytest.mark.parametrize(
    ("content", "kept"),
    [
        (b"", b""),
        (b"no newline at all", b""),
        (b"a\nb\n", b"a\nb\n"),
        (b"a\n" * 40000 + b"b", b"a\n" * 40000),
    ],
)
def test_trim_partial_line(tmp_path, content, kept):
    path = tmp_path / "f.jsonl"
    path.write_bytes(content)
    assert trim_partial_line(path) == len(content) - len(kept)
    assert path.read_bytes() == kept


def test_a_text_write_that_fills_the_disk_leaves_nothing_and_stops(tmp_path, monkeypatch):
    spider = make_spider("kayhan", NEWSCRAWL_TEXT_DIR=str(tmp_path / "text"))
    pipeline = TextFilePipeline.from_crawler(spider.crawler)
    monkeypatch.setattr(os, "write", DiskFills(room=10))
    with pytest.raises(DropItem):
        pipeline.process_item(item(text="kayhan.ir\n\n" + "متن " * 1000))
    monkeypatch.undo()
    assert list((tmp_path / "text" / "kayhan").iterdir()) == []  # no temporary file either
    assert "text file" in spider.crawl_state.failure
    assert "No space left on device" in spider.crawl_state.failure


def fill_sqlite(path: Path) -> SQLiteSeenStore:
    """A seen-store whose file may not grow: SQLite's own SQLITE_FULL, as on a full disk."""
    store = SQLiteSeenStore(path)
    store._db.execute("PRAGMA max_page_count = 4")
    return store


def test_sqlite_full_fails_the_commit_and_keeps_the_store_consistent(tmp_path):
    store = fill_sqlite(tmp_path / "state.sqlite3")
    for code in range(500):
        store.record(("kayhan", str(code)), "h" * 64)
    with pytest.raises(sqlite3.OperationalError, match="full"):
        store.commit()
    store.discard_staged()
    assert len(store) == 0  # the whole batch or nothing
    store.record(("kayhan", "1"), "h")
    store.close()
    assert SQLiteSeenStore(tmp_path / "state.sqlite3").get(("kayhan", "1")) is not None


def test_a_failed_seen_store_commit_rolls_the_feeds_back(tmp_path):
    spider = make_spider("kayhan", NEWSCRAWL_STATE=str(tmp_path / "state.sqlite3"))
    state = spider.crawl_state
    pipeline = DedupePipeline.from_crawler(spider.crawler)
    handle = feed_storage(spider, tmp_path / "items.jsonl")
    state.store._db.execute("PRAGMA max_page_count = 12")  # a few batches of 100 fit
    scraped = 0
    while state.writable and scraped < 5000:
        written = pipeline.process_item(item(str(scraped)))
        handle.write(line(str(scraped)))
        pipeline.item_scraped(written, None, None)
        scraped += 1
    assert state.failure == "the seen-store: database or disk is full"
    recorded = len(SQLiteSeenStore(tmp_path / "state.sqlite3"))
    assert 0 < recorded < scraped and recorded % state.commit_every == 0
    # The feed holds exactly the articles the store recorded, nothing after.
    lines = (tmp_path / "items.jsonl").read_bytes().splitlines(keepends=True)
    assert lines == [line(str(code)) for code in range(recorded)]


def test_low_disk_space_is_refused(tmp_path):
    spider = make_spider("kayhan", NEWSCRAWL_MIN_FREE_MB=10**12)
    assert "NEWSCRAWL_MIN_FREE_MB=1e+12" in low_disk_space(spider.crawler.settings)
    assert low_disk_space(make_spider("kayhan", NEWSCRAWL_MIN_FREE_MB=1).crawler.settings) is None


@pytest.mark.parametrize("command", ["crawl", "crawlall"])
def test_a_crawl_refuses_to_start_with_too_little_free_space(tmp_path, command):
    args = crawl_command(
        "kayhan" if command == "crawl" else "",
        tmp_path,
        "-a",
        f"replay={ROOT / 'tests' / 'fixtures' / ('kayhan' if command == 'crawl' else '')}",
        settings={"NEWSCRAWL_MIN_FREE_MB": 10**12},
        command=command,
    )
    if command == "crawlall":
        args[args.index("-O") + 1] = str(tmp_path / "%(name)s.jsonl")
    done = subprocess.run(
        args, cwd=ROOT, env=crawl_env(), capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 1, done.stderr[-3000:]
    refusals = [line for line in done.stderr.splitlines() if "does not start: only" in line]
    assert len(refusals) == (1 if command == "crawl" else 4), done.stderr[-3000:]
    assert all(" ERROR: " in line and "NEWSCRAWL_MIN_FREE_MB" in line for line in refusals)
    assert not list(tmp_path.glob("*.jsonl")) and not (tmp_path / "text").exists()
    assert not (tmp_path / "state.sqlite3").exists()
    if command == "crawlall":
        assert all("low_disk_space" in line for line in done.stdout.splitlines())
    else:
        assert json.loads((tmp_path / "stats.json").read_text())["finish_reason"] == (
            "low_disk_space"
        )


def test_crawlall_on_a_full_disk_fails_then_a_rerun_completes_exactly_once(tmp_path):
    """The disk fills up at the 3rd JSON line of the process (all four spiders share it)."""
    from test_exactly_once import crash_extensions, feed_lines

    from tests.fixture_pages import article_fixtures

    state, text_dir = tmp_path / "state.sqlite3", tmp_path / "text"

    def crawlall(work: Path, settings: dict) -> subprocess.CompletedProcess:
        args = crawl_command(
            "",
            work,
            "-a",
            f"replay={ROOT / 'tests' / 'fixtures'}",
            state=state,
            text_dir=text_dir,
            settings={"NEWSCRAWL_COMMIT_EVERY": 1, **settings},
            command="crawlall",
        )
        args[args.index("-O") + 1] = str(work / "%(name)s.jsonl")
        return subprocess.run(
            args,
            cwd=ROOT,
            env=crawl_env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    full = crawlall(
        tmp_path / "run1",
        {
            "DISK_FULL_AT": "feed",
            "DISK_FULL_AFTER": 3,
            "EXTENSIONS": crash_extensions("DiskFullExtension"),
        },
    )
    assert full.returncode == 1, full.stderr[-3000:]
    summary = full.stdout.splitlines()
    assert any("FAILED: finished with output_failed" in line for line in summary), summary
    for line in summary:  # "N new" is what the feed file holds, not what was scraped
        outlet, new = line.split(": ")[0], int(line.split(": ")[1].split(" new")[0])
        assert new == len(feed_lines(tmp_path / "run1" / f"{outlet}.jsonl")), line
    rerun = crawlall(tmp_path / "run2", {})
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    for outlet in ("borna", "kayhan", "mashregh", "tasnim"):
        items = feed_lines(
            tmp_path / "run1" / f"{outlet}.jsonl", tmp_path / "run2" / f"{outlet}.jsonl"
        )
        codes = sorted(i["code"] for i in items)
        assert codes == sorted(
            f.expected["code"] for f in article_fixtures(ROOT / "tests" / "fixtures" / outlet)
        ), outlet
