"""CDXJ indexes of WARCs: written when recording or on a WARC's first replay, read instead of
the WARC, the same pages found either way."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from conftest import make_spider
from scrapy import Request
from scrapy.http import HtmlResponse
from test_replay_record import PAGE, replay_storage, write_warc

from newscrawl import warc_index
from newscrawl.record import RecordStorage
from newscrawl.replay import read_saved_pages, read_warc_index
from newscrawl.warc_index import ensure_index, index_path, read_index

URLS = [f"https://kayhan.ir/fa/news/{n}/x" for n in range(1, 6)]


def _warc(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    warc = folder / "a.warc.gz"
    records = [(url, 200, [("Content-Type", "text/html")], PAGE) for url in URLS]
    # A second capture of a URL (the later one wins) and an error page.
    records += [(URLS[0], 200, [("Content-Type", "text/html")], PAGE + b"<!-- 2 -->")]
    records += [("https://kayhan.ir/fa/news/99/x", 404, [], b"gone")]
    write_warc(warc, records)
    return warc


def _pages(entries) -> list[tuple]:
    return [(url, p.path, p.offset, p.status, p.length) for url, p in entries]


def test_the_index_lists_what_reading_the_warc_finds(tmp_path: Path):
    warc = _warc(tmp_path)
    scanned = _pages(read_warc_index(warc))
    assert not index_path(warc).exists()
    assert _pages(read_saved_pages(warc)) == scanned  # written on first use, then read
    index = index_path(warc)
    # A standard CDXJ line: SURT key, timestamp, JSON block (webrecorder's cdxj-indexer).
    key, timestamp, block = index.read_text(encoding="utf-8").splitlines()[0].split(" ", 2)
    assert key.startswith("ir,kayhan)/fa/news/") and timestamp.isdigit()
    assert json.loads(block)["url"] in URLS
    assert len(list(read_index(index))) == len(scanned) == 7


def test_replay_from_the_index_serves_the_same_responses(tmp_path: Path, monkeypatch):
    warc = _warc(tmp_path / "indexed")
    plain = _warc(tmp_path / "plain")
    _, from_index = replay_storage(warc)

    def unwritable(path: Path) -> Path:
        raise PermissionError(f"{path.parent}: read-only")

    monkeypatch.setattr(warc_index, "write_index", unwritable)
    _, from_scan = replay_storage(plain)  # no index can be written: the WARC is read
    assert index_path(warc).exists() and not index_path(plain).exists()
    for url in [*URLS, "https://kayhan.ir/fa/news/99/x"]:
        one = from_index.retrieve_response(None, Request(url))
        other = from_scan.retrieve_response(None, Request(url))
        assert (one.status, one.body) == (other.status, other.body)
    assert from_index.retrieve_response(None, Request(URLS[0])).body.endswith(b"<!-- 2 -->")


def test_a_warc_changed_after_its_index_is_indexed_again(tmp_path: Path):
    warc = _warc(tmp_path)
    ensure_index(warc)
    write_warc(warc, [(URLS[0], 200, [], PAGE)])
    later = index_path(warc).stat().st_mtime_ns + 1_000_000
    os.utime(warc, ns=(later, later))
    assert [e.url for e in read_index(ensure_index(warc))] == [URLS[0]]


def test_replays_starting_together_index_a_warc_once(tmp_path: Path, monkeypatch):
    warc = _warc(tmp_path)
    written = []
    write = warc_index.write_index

    def counting_write(path: Path) -> Path:
        written.append(path)
        return write(path)

    monkeypatch.setattr(warc_index, "write_index", counting_write)
    # Four openers of the same WARC (separate open files: flock excludes them as it
    # excludes four processes).
    threads = [threading.Thread(target=ensure_index, args=(warc,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert written == [warc]


def test_recording_writes_the_index_beside_the_warc(tmp_path: Path):
    target = tmp_path / "rec.warc.gz"
    spider = make_spider("kayhan", NEWSCRAWL_RECORD=str(target))
    storage = RecordStorage(spider.crawler.settings)
    storage.open_spider(spider)
    for url in URLS:
        response = HtmlResponse(url, status=200, body=PAGE, headers={"Content-Type": "text/html"})
        storage.store_response(spider, Request(url), response)
    storage.close_spider(spider)
    index = index_path(target)
    assert index.exists()
    assert [(e.url, e.offset, e.length) for e in read_index(index)] == [
        (url, page.offset, page.length) for url, page in read_warc_index(target)
    ]
