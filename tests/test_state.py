"""The seen-store and the run journal on their own."""

import json
import sqlite3
from pathlib import Path

import pytest

from newscrawl.seen import SQLiteSeenStore
from newscrawl.state import JournalRun, RunJournal, complete_lines


def test_sqlite_store_persists_records_and_revisions(tmp_path: Path):
    path = tmp_path / "state.sqlite3"
    store = SQLiteSeenStore(path)
    assert store.record(("kayhan", "1"), "a").revision == 1
    assert store.get(("kayhan", "1")) is not None  # staged records are visible
    store.commit()
    store.record(("tasnim", "2"), "b")
    store.close()  # commits
    again = SQLiteSeenStore(path)
    assert set(again.get_many([("kayhan", "1"), ("tasnim", "2"), ("borna", "3")])) == {
        ("kayhan", "1"),
        ("tasnim", "2"),
    }
    first = again.get(("kayhan", "1"))
    assert again.record(("kayhan", "1"), "a").revision == 1  # unchanged content
    changed = again.record(("kayhan", "1"), "c")
    assert changed.revision == 2 and changed.first_seen == first.first_seen
    assert len(again) == 2


def test_uncommitted_records_are_not_persisted(tmp_path: Path):
    store = SQLiteSeenStore(tmp_path / "s.sqlite3")
    store.record(("kayhan", "1"), "a")
    # A crash now: the staged record never reached the file.
    assert SQLiteSeenStore(tmp_path / "s.sqlite3").get(("kayhan", "1")) is None


def test_recovery_reads_complete_lines_only(tmp_path: Path):
    feed = tmp_path / "items.jsonl"
    lines = [json.dumps({"outlet": "kayhan", "code": str(i), "text": "x"}) for i in range(3)]
    feed.write_text("\n".join(lines) + "\n" + lines[0][:10], encoding="utf-8")
    assert [item["code"] for item in complete_lines(feed)] == ["0", "1", "2"]


def test_journal_lists_unfinished_runs_and_their_feeds(tmp_path: Path):
    journal = RunJournal(tmp_path / "state.sqlite3")
    (done, _), (crashed, started) = journal.start("kayhan"), journal.start("kayhan", "/x/text")
    journal.add_feed(crashed, "/x/a.jsonl", 120)
    journal.add_feed(crashed, "/x/a.jsonl", 999)  # once, with the offset it was opened at
    journal.finish(done)
    assert journal.unfinished("kayhan") == [
        JournalRun(crashed, started, "/x/text", [("/x/a.jsonl", 120)])
    ]
    assert journal.unfinished("tasnim") == []


def test_journal_of_an_earlier_version_is_read(tmp_path: Path):
    """Journals written before run manifests: no text_dir column, feeds as plain paths."""
    db = sqlite3.connect(tmp_path / "state.sqlite3")
    db.executescript(
        "CREATE TABLE runs (id INTEGER PRIMARY KEY, spider TEXT NOT NULL, started REAL NOT NULL,"
        " finished REAL, feeds TEXT NOT NULL DEFAULT '[]');"
        """INSERT INTO runs (spider, started, feeds) VALUES ('kayhan', 5.0, '["/x/a.jsonl"]');"""
    )
    db.commit()
    db.close()
    journal = RunJournal(tmp_path / "state.sqlite3")
    assert journal.unfinished("kayhan") == [JournalRun(1, 5.0, None, [("/x/a.jsonl", 0)])]


def test_recovery_lists_each_interrupted_run_with_its_own_lines(tmp_path: Path):
    """Two runs killed while appending to one file: each manifest lists its own lines."""
    from newscrawl.manifest import manifests_after
    from tests.fixture_pages import make_spider

    state, feed = tmp_path / "state.sqlite3", tmp_path / "all.jsonl"
    lines = [
        json.dumps({"outlet": "kayhan", "code": str(i), "text": "x", "revision": 1})
        for i in range(5)
    ]
    journal = RunJournal(state)
    (first, _), (second, _) = journal.start("kayhan"), journal.start("kayhan")
    feed.write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")
    journal.add_feed(first, str(feed), 0)
    journal.add_feed(second, str(feed), feed.stat().st_size)
    feed.write_text("\n".join(lines) + "\n" + lines[0][:9], encoding="utf-8")
    journal.close()
    spider = make_spider(
        "kayhan", NEWSCRAWL_STATE=str(state), NEWSCRAWL_MANIFEST_DIR=str(tmp_path / "m")
    )
    assert len(spider.crawl_state.store.get_many([("kayhan", str(i)) for i in range(6)])) == 5
    runs = [m for _, m in manifests_after(tmp_path / "m")]
    assert [[a["code"] for a in m["outlets"]["kayhan"]["new"]] for m in runs] == [
        ["0", "1"],
        ["2", "3", "4"],
    ]
    assert all(m["interrupted"] for m in runs)
    assert feed.read_text(encoding="utf-8").endswith(lines[4] + "\n")  # cut-off line gone


def test_the_crawl_state_is_only_read_from_the_crawler_its_extension_opened_it_on():
    from scrapy.crawler import Crawler

    from newscrawl.state import CrawlState, CrawlStateExtension
    from spiders.kayhan import KayhanSpider

    crawler = Crawler(KayhanSpider, {"NEWSCRAWL_STATE": "", "NEWSCRAWL_MIN_FREE_MB": 0})
    with pytest.raises(RuntimeError, match="CrawlStateExtension"):
        CrawlState.of(crawler)  # nothing else creates it
    opened = CrawlStateExtension(crawler).open()
    assert CrawlState.of(crawler) is opened


def test_a_manifest_spool_that_cannot_be_written_stops_the_crawl_and_the_next_run_lists_it(
    tmp_path: Path, monkeypatch
):
    """The seen-store has the batch when the spool fails: the run stays in the journal, so
    the next run writes its manifest from the feed files (an ingestion tool misses none)."""
    from newscrawl.manifest import SpooledEntries, manifests_after
    from tests.fixture_pages import make_spider

    state, feed, manifests = tmp_path / "state.sqlite3", tmp_path / "k.jsonl", tmp_path / "m"
    settings = {"NEWSCRAWL_STATE": str(state), "NEWSCRAWL_MANIFEST_DIR": str(manifests)}
    crawl = make_spider("kayhan", **settings).crawl_state
    crawl.add_feed(feed)
    item = {"outlet": "kayhan", "code": "7", "text": "x", "revision": 1}
    feed.write_text(json.dumps(item) + "\n", encoding="utf-8")
    crawl.store.record(("kayhan", "7"), "d")
    crawl.pending_lines.append((str(feed), 0))
    crawl.article_written(item)

    def no_space(self, entries):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(SpooledEntries, "extend", no_space)
    crawl.staged()
    assert crawl.commit() is False
    assert "spool" in crawl.failure
    stats = crawl.crawler.stats
    assert stats.get_value("output/articles_committed") == 1  # the store has it
    assert stats.get_value("output/rolled_back") == 0
    crawl.close()
    assert list(manifests_after(manifests)) == []
    monkeypatch.undo()
    make_spider("kayhan", **settings).crawl_state.close()
    [(_, written)] = list(manifests_after(manifests))
    assert written["interrupted"] and written["outlets"]["kayhan"]["new"][0]["code"] == "7"


def test_a_run_killed_after_writing_its_manifest_is_not_listed_again(tmp_path: Path):
    """Its manifest renamed in place, then killed before the journal recorded its end (or the
    directory's fsync failed): the recovery records its articles as seen, writes no second
    manifest."""
    from newscrawl.manifest import (
        ManifestEntry,
        build_manifest,
        manifests_after,
        run_id,
        write_manifest,
    )
    from tests.fixture_pages import make_spider

    state, feed, manifests = tmp_path / "state.sqlite3", tmp_path / "k.jsonl", tmp_path / "m"
    journal = RunJournal(state)
    run, started = journal.start("kayhan", str(tmp_path / "text"))
    journal.add_feed(run, str(feed), 0)
    feed.write_text(
        json.dumps({"outlet": "kayhan", "code": "7", "text": "x", "revision": 1}) + "\n",
        encoding="utf-8",
    )
    entry = ManifestEntry("kayhan", "7", 1, str(tmp_path / "text"), ((str(feed), 0),))
    name = run_id("kayhan", started, run)
    write_manifest(manifests, build_manifest(name, "kayhan", started, 1.0, [entry]))
    journal.close()
    settings = {"NEWSCRAWL_STATE": str(state), "NEWSCRAWL_MANIFEST_DIR": str(manifests)}
    crawl = make_spider("kayhan", **settings).crawl_state
    assert crawl.store.get(("kayhan", "7")) is not None
    crawl.close()
    [(_, written)] = list(manifests_after(manifests))
    assert written["run"] == name and not written["interrupted"]
