"""CDXJ indexes of WARCs: written when recording or on a WARC's first replay, read instead of
the WARC, the same pages found either way."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from conftest import make_spider
from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy import Request
from scrapy.http import HtmlResponse
from test_replay_record import PAGE, replay_storage, write_warc

from newscrawl import replay, warc_index
from newscrawl.record import RecordStorage
from newscrawl.replay import read_saved_pages, read_warc_index
from newscrawl.warc_index import SortedIndex, ensure_index, index_path, read_index

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
    """In record order (an index lists them by SURT key)."""
    pages = [(url, p.path, p.offset, p.status, p.length) for url, p in entries]
    return sorted(pages, key=lambda page: page[2])


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
    lines = index.read_text(encoding="utf-8").splitlines()
    assert lines == sorted(lines)  # as cdxj-indexer --sort writes it, pywb reads it


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
    assert sorted((e.offset, e.url, e.length) for e in read_index(index)) == [
        (page.offset, url, page.length) for url, page in read_warc_index(target)
    ]


def test_an_index_in_record_order_is_sorted_on_first_replay(tmp_path: Path):
    """An index an older version wrote in record order is sorted (no second indexing)."""
    warc = _warc(tmp_path)
    index = ensure_index(warc)
    lines = index.read_text(encoding="utf-8").splitlines()
    by_offset = sorted(lines, key=lambda line: int(json.loads(line.split(" ", 2)[2])["offset"]))
    assert by_offset != lines
    index.write_text("\n".join(by_offset) + "\n", encoding="utf-8")
    assert ensure_index(warc) == index
    assert index.read_text(encoding="utf-8").splitlines() == lines


def searching_storage(source: Path, monkeypatch, **settings):
    """A replay storage that searches the sorted indexes per request: the archive counts as
    large (NEWSCRAWL_REPLAY_LOAD_MAX_RECORDS), and the spider as requesting few pages."""
    monkeypatch.setattr(replay, "expected_requests", lambda spider: 0)
    settings.setdefault("NEWSCRAWL_REPLAY_LOAD_MAX_RECORDS", 0)
    return replay_storage(source, **settings)


def test_a_replay_of_much_of_a_large_archive_loads_it_whole(tmp_path: Path):
    """A URL list of more than a tenth of the records: the whole table (cheaper so), as is a
    crawl that discovers its pages; a short list searches the indexes."""
    warc = _warc(tmp_path)  # 7 records
    urls = tmp_path / "urls.txt"
    for listed, searched in ((1, False), (0, True)):
        urls.write_text("".join(f"{url}\n" for url in URLS[:listed]), encoding="utf-8")
        spider = make_spider("kayhan", NEWSCRAWL_REPLAY=str(warc))
        spider.urls_file = urls  # as -a urls= sets it
        assert replay.expected_requests(spider) == listed
        storage = replay.ReplayStorage(spider.crawler.settings)
        storage.load_max_records = 0
        storage.open_spider(spider)
        assert bool(storage.sorted_indexes) is searched, listed
        storage.close_spider(spider)
    spider = make_spider("kayhan", NEWSCRAWL_REPLAY=str(warc))
    assert replay.expected_requests(spider) is None  # discovery: loaded whole
    spider.codes = ["1", "2"]  # as -a codes= sets them
    assert replay.expected_requests(spider) == 2


def _variants(url: str) -> list[str]:
    """Other URLs a request may name a saved page by."""
    return [url, url.replace("https://", "http://"), url + "#c"]


def test_lookups_in_the_sorted_index_agree_with_the_whole_table(tmp_path: Path, monkeypatch):
    """Captures found by binary search as requested, or all loaded at start: the same
    responses, the same winner among several captures (a success over an error, a later
    one over an earlier), the same misses."""
    html = [("Content-Type", "text/html")]
    records = [(url, 200, html, PAGE + url.encode()) for url in URLS]
    records += [
        (URLS[0], 200, html, PAGE + b"<!-- later -->"),
        (URLS[1], 500, html, b"error after a success"),
        ("https://kayhan.ir/fa/news/77/x", 503, html, b"an error"),
        ("https://kayhan.ir/fa/news/77/x", 200, html, PAGE + b"<!-- then a success -->"),
        ("https://www.kayhan.ir/fa/news/88/y", 200, html, PAGE + b"<!-- www -->"),
        # One URL key, two SURT keys: "+" and "%20" in a query.
        ("https://kayhan.ir/fa/search?q=a+b", 200, html, PAGE + b"<!-- plus -->"),
        ("https://kayhan.ir/fa/search?q=a%20b", 500, html, b"an error later"),
        ("https://www.tasnimnews.com/fa/news/1403/01/01/3000000/x", 200, html, PAGE),
    ]
    for name in ("lazy", "whole"):
        (tmp_path / name).mkdir()
        write_warc(tmp_path / name / "a.warc.gz", records)
    _, lazy = searching_storage(tmp_path / "lazy", monkeypatch)
    whole_spider, whole = replay_storage(tmp_path / "whole")
    assert lazy.sorted_indexes and not whole.sorted_indexes
    assert whole_spider.crawler.stats.get_value("replay/saved_urls") == 8
    # Looked up in the index first; then URLs that load the whole table (an article saved
    # under another URL, a query).
    requested = [
        *(v for url in [*URLS, "https://kayhan.ir/fa/news/77/x"] for v in _variants(url)),
        "https://kayhan.ir/fa/service/3",  # not saved, no article
        "https://kayhan.ir/fa/news/88/y",  # saved with www. (another URL key)
        URLS[1] + "/",  # another URL of the article
        "https://kayhan.ir/fa/news/5/another-slug",  # the article, by its code
        "https://kayhan.ir/fa/news/12345/x",  # not saved
        "https://kayhan.ir/fa/search?q=a%20b",  # the success saved as ?q=a+b wins
        URLS[2] + "?utm_source=x",
    ]
    for number, url in enumerate(requested):
        one = lazy.retrieve_response(None, Request(url))
        other = whole.retrieve_response(None, Request(url))
        assert (one.status, one.body) == (other.status, other.body), url
        if number < (len(URLS) + 1) * 3 + 1:
            assert lazy.sorted_indexes, url  # not yet the whole table
    assert lazy.retrieve_response(None, Request(URLS[0])).body.endswith(b"<!-- later -->")
    assert lazy.retrieve_response(None, Request(URLS[1])).status == 200


def test_exact_requests_to_a_large_archive_never_load_the_whole_table(tmp_path: Path, monkeypatch):
    """More records than NEWSCRAWL_REPLAY_LOAD_MAX_RECORDS (7 here): looked up as requested."""
    warc = _warc(tmp_path)
    spider, storage = searching_storage(
        warc, monkeypatch, NEWSCRAWL_REPLAY_LOAD_MAX_RECORDS=len(URLS)
    )
    for url in URLS:
        assert storage.retrieve_response(spider, Request(url)).status == 200
    assert storage.sorted_indexes  # still searched per request
    assert spider.crawler.stats.get_value("replay/saved_urls") is None
    assert len(storage.index) == len(URLS)  # the captures of the URLs requested, no more


_KEYS = st.text(alphabet="ab,)/%2", max_size=6)


@settings(max_examples=200, deadline=None)
@given(
    keys=st.lists(_KEYS, max_size=60),
    wanted=_KEYS,
    probe=st.sampled_from([16, 64, 4096]),
    scan=st.sampled_from([32, 256, 65536]),
)
def test_the_binary_search_finds_every_line_of_a_key_and_no_other(
    tmp_path_factory, keys, wanted, probe, scan
):
    """On a sorted index of any shape (duplicate keys, keys prefixes of others, long and
    short lines, reads smaller than a line), ``find`` gives the lines of the key asked for,
    as a filter of every line would."""
    lines = sorted(
        f"{key or '-'} 2026 "
        + json.dumps({"url": f"https://x/{n}", "status": "200", "offset": str(n), "pad": "p" * n})
        for n, key in enumerate(keys)
    )
    index = tmp_path_factory.mktemp("index") / "a.cdxj"
    index.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    searched = SortedIndex(index)
    searched._PROBE, searched._SCAN = probe, scan
    try:
        for key in {wanted or "-", *(k or "-" for k in keys[:5])}:
            expected = [
                json.loads(line.split(" ", 2)[2])["url"]
                for line in lines
                if line.split(" ", 1)[0] == key
            ]
            assert [entry.url for entry in searched.find(key)] == expected, key
    finally:
        searched.close()


def test_a_page_not_saved_that_is_no_article_is_a_miss_without_the_whole_table(
    tmp_path: Path, monkeypatch
):
    warc = _warc(tmp_path)
    spider, storage = searching_storage(warc, monkeypatch)
    assert (
        storage.retrieve_response(spider, Request("https://kayhan.ir/fa/service/3")).status == 404
    )
    assert storage.sorted_indexes and spider.crawler.stats.get_value("replay/saved_urls") is None
    # An article not saved under this URL: maybe under another, so the whole table, once.
    assert storage.retrieve_response(spider, Request("https://kayhan.ir/fa/news/3")).status == 200
    assert not storage.sorted_indexes
    assert spider.crawler.stats.get_value("replay/saved_urls") == 6


def test_many_warcs_are_loaded_at_start(tmp_path: Path, monkeypatch):
    """A request would search every index: more than a few WARCs are loaded whole."""
    for number, url in enumerate(
        [*URLS, *(f"https://kayhan.ir/fa/news/{n}/y" for n in (6, 7, 8, 9))]
    ):
        write_warc(
            tmp_path / f"{number}.warc.gz", [(url, 200, [("Content-Type", "text/html")], PAGE)]
        )
    spider, storage = searching_storage(tmp_path, monkeypatch)
    assert not storage.sorted_indexes
    assert spider.crawler.stats.get_value("replay/saved_urls") == 9


def test_an_index_that_cannot_be_sorted_is_read_as_it_is(tmp_path: Path, monkeypatch):
    """A read-only directory holding an index in record order: read whole, not the WARC."""
    warc = _warc(tmp_path)
    index = ensure_index(warc)
    lines = index.read_text(encoding="utf-8").splitlines()
    index.write_text("\n".join(reversed(lines)) + "\n", encoding="utf-8")

    def read_only(path: Path) -> None:
        raise PermissionError(f"{path.parent}: read-only")

    monkeypatch.setattr(warc_index, "sort_index", read_only)
    monkeypatch.setattr(warc_index, "write_index", read_only)
    assert warc_index.prepared_index(warc) == (index, None)
    assert ensure_index(warc) == index
    spider, storage = searching_storage(warc, monkeypatch)
    assert not storage.sorted_indexes  # loaded whole, from the index
    assert storage.retrieve_response(spider, Request(URLS[0])).body.endswith(b"<!-- 2 -->")
