"""The WARC storages on their own: what they index, serve and write."""

import gzip
from io import BytesIO
from pathlib import Path

import pytest
from conftest import make_spider
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scrapy import Request
from w3lib.url import canonicalize_url
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newscrawl.record import RecordStorage
from newscrawl.replay import ReplayStorage, SavedPage, load_response, read_warc_index, url_key

PAGE = "<html><body><h1>سلام</h1></body></html>".encode()


def write_warc(path: Path, records: list[tuple[str, int, list[tuple[str, str]], bytes]]) -> None:
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=path.name.endswith(".gz"))
        for url, status, headers, body in records:
            http = StatusAndHeaders(f"{status} X", headers, protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=http)
            )


def replay_storage(source: Path, **settings):
    spider = make_spider("kayhan", NEWSCRAWL_REPLAY=str(source), **settings)
    storage = ReplayStorage(spider.crawler.settings)
    storage.open_spider(spider)
    return spider, storage


def test_replay_serves_warc_records_and_404s_the_rest(tmp_path: Path):
    url = "https://kayhan.ir/fa/news/260941/slug"
    compressed = gzip.compress(PAGE)
    write_warc(
        tmp_path / "a.warc.gz",
        [
            (
                url,
                200,
                [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")],
                compressed,
            ),
            (
                "https://kayhan.ir/fa/rss/allnews",
                200,
                [("Content-Type", "application/rss+xml")],
                b"<rss/>",
            ),
        ],
    )
    spider, storage = replay_storage(tmp_path)
    response = storage.retrieve_response(spider, Request(url))
    # Content-Encoding is left for Scrapy's decompression middleware, as live.
    assert response.status == 200 and response.body == compressed
    assert response.headers[b"Content-Encoding"] == b"gzip"
    # Another URL of the same article resolves to the saved page.
    variant = storage.retrieve_response(
        spider, Request("http://www.kayhan.ir/fa/news/260941?utm_source=x#c")
    )
    assert variant.status == 200 and variant.body == compressed
    missing = storage.retrieve_response(spider, Request("https://kayhan.ir/fa/news/1"))
    assert missing.status == 404
    assert spider.crawler.stats.get_value("replay/miss") == 1
    assert spider.crawler.stats.get_value("replay/hit") == 2


def test_replay_indexes_only_the_pages_of_the_spiders_own_sites(tmp_path: Path, monkeypatch):
    """A WARC of several outlets (crawlall's): each spider's table holds its own pages only,
    those the off-site middleware lets it request."""
    html = [("Content-Type", "text/html; charset=utf-8")]
    write_warc(
        tmp_path / "mixed.warc",
        [
            ("https://kayhan.ir/fa/news/260941/slug", 200, html, PAGE),
            ("https://www.tasnimnews.com/fa/news/1403/01/01/3000000/x", 200, html, PAGE),
            ("https://tn.ai/3000000", 301, [("Location", "https://www.tasnimnews.com/")], b""),
        ],
    )
    spider, storage = replay_storage(tmp_path)
    stats = spider.crawler.stats
    assert stats.get_value("replay/saved_urls") == 1
    assert stats.get_value("replay/other_site_responses") == 2
    found = storage.retrieve_response(spider, Request("https://kayhan.ir/fa/news/260941/slug"))
    assert found.status == 200
    # Looked up as requested: the table holds what was requested; a page not saved loads
    # every capture of the spider's sites, once.
    monkeypatch.setattr("newscrawl.replay.expected_requests", lambda spider: 0)  # few pages
    spider, storage = replay_storage(tmp_path, NEWSCRAWL_REPLAY_LOAD_MAX_RECORDS=0)
    stats = spider.crawler.stats
    assert stats.get_value("replay/indexed_records") == 3
    found = storage.retrieve_response(spider, Request("https://kayhan.ir/fa/news/260941/slug"))
    assert found.status == 200 and stats.get_value("replay/saved_urls") is None
    storage.retrieve_response(spider, Request("https://kayhan.ir/fa/news/1/x"))
    assert stats.get_value("replay/saved_urls") == 1
    assert stats.get_value("replay/other_site_responses") == 2


def test_replay_reads_manifest_fixtures(tmp_path: Path):
    (tmp_path / "p.html").write_bytes(PAGE)
    (tmp_path / "manifest.tsv").write_text(
        "# comment\nhttps://kayhan.ir/fa/news/5/x\tp.html\t200\ttext/html; charset=utf-8\n"
    )
    spider, storage = replay_storage(tmp_path)
    response = storage.retrieve_response(spider, Request("https://kayhan.ir/fa/news/5/x"))
    assert response.status == 200 and response.text == PAGE.decode()


def test_record_writes_standard_warc_response_records(tmp_path: Path):
    target = tmp_path / "rec.warc.gz"
    spider = make_spider("kayhan", NEWSCRAWL_RECORD=str(target))
    storage = RecordStorage(spider.crawler.settings)
    storage.open_spider(spider)
    from scrapy.http import HtmlResponse

    response = HtmlResponse(
        "https://kayhan.ir/fa/news/5/x",
        status=200,
        body=PAGE,
        headers={"Content-Type": "text/html; charset=utf-8", "Transfer-Encoding": "chunked"},
    )
    assert storage.retrieve_response(spider, Request(response.url)) is None
    storage.store_response(spider, Request(response.url), response)
    storage.close_spider(spider)
    with target.open("rb") as stream:
        records = [
            (
                r.rec_type,
                r.rec_headers.get_header("WARC-Target-URI"),
                r.http_headers.get_statuscode(),
                r.http_headers.get_header("Transfer-Encoding"),
                r.content_stream().read(),
            )
            for r in ArchiveIterator(stream)
        ]
    assert records == [("response", response.url, "200", None, PAGE)]


def test_a_second_recording_appends_to_the_capture(tmp_path: Path):
    """Run twice, a recording keeps the first run's pages: replayed, the file has both."""
    from scrapy.http import HtmlResponse

    target = tmp_path / "rec.warc.gz"
    urls = ["https://kayhan.ir/fa/news/5/x", "https://kayhan.ir/fa/news/6/x"]
    for url in urls:
        spider = make_spider("kayhan", NEWSCRAWL_RECORD=str(target))
        storage = RecordStorage(spider.crawler.settings)
        storage.open_spider(spider)
        response = HtmlResponse(url, body=PAGE, headers={"Content-Type": "text/html"})
        storage.store_response(spider, Request(url), response)
        storage.close_spider(spider)
    assert [url for url, _ in read_warc_index(target)] == urls


def test_replay_serves_uncompressed_warcs_and_chunked_payloads(tmp_path: Path):
    url = "https://kayhan.ir/fa/news/7/x"
    write_warc(
        tmp_path / "a.warc",
        [
            (
                url,
                200,
                [("Content-Type", "text/html; charset=utf-8"), ("Transfer-Encoding", "chunked")],
                b"5\r\nhello\r\n0\r\n\r\n",
            ),
            ("https://kayhan.ir/fa/rss/allnews", 200, [("Content-Type", "text/xml")], b"<rss/>"),
        ],
    )
    spider, storage = replay_storage(tmp_path)
    response = storage.retrieve_response(spider, Request(url))
    assert response.status == 200 and response.body == b"hello"
    assert b"Transfer-Encoding" not in response.headers
    rss = storage.retrieve_response(spider, Request("https://kayhan.ir/fa/rss/allnews"))
    assert rss.body == b"<rss/>"


def test_replay_exact_url_lookup_agrees_with_the_canonical_one(tmp_path: Path):
    """A URL saved as it is still gets the capture its canonical form chose (a successful
    one over a later error), not its own."""
    ok, error = "https://kayhan.ir/fa/rss?b=1&a=2", "https://kayhan.ir/fa/rss?a=2&b=1"
    write_warc(
        tmp_path / "a.warc.gz",
        [
            (ok, 200, [("Content-Type", "text/xml")], b"<rss/>"),
            (error, 500, [("Content-Type", "text/plain")], b"oops"),
        ],
    )
    spider, storage = replay_storage(tmp_path)
    for url in (ok, error, "http://kayhan.ir/fa/rss?a=2&b=1#top"):
        response = storage.retrieve_response(spider, Request(url))
        assert (response.status, response.body) == (200, b"<rss/>"), url


def test_load_response_of_a_record_without_its_length(tmp_path: Path):
    """A location made by hand (offset only) is read as well as one from the index."""
    url = "https://kayhan.ir/fa/news/5/x"
    write_warc(tmp_path / "a.warc.gz", [(url, 200, [("Content-Type", "text/html")], PAGE)] * 2)
    pages = list(read_warc_index(tmp_path / "a.warc.gz"))
    # Each record's length is all of it: the next one starts where it ends.
    (_, first), (_, second) = pages
    assert (first.offset + first.length, second.offset + second.length) == (
        second.offset,
        (tmp_path / "a.warc.gz").stat().st_size,
    )
    for _, page in pages:
        by_hand = SavedPage(page.path, page.offset)
        assert load_response(url, by_hand).body == load_response(url, page).body == PAGE


def settings_with_addons(outlet: str, **settings):
    """A spider's crawler settings once the add-ons (ADDONS) have been applied, as Scrapy
    applies them after creating the spider."""
    crawler = make_spider(outlet, open_state=False, **settings).crawler
    crawler.addons.load_settings(crawler.settings)
    return crawler.settings


def test_mode_addons_apply_only_in_their_mode(tmp_path: Path):
    live = settings_with_addons("kayhan")
    assert not live.getbool("HTTPCACHE_ENABLED") and live.getbool("ROBOTSTXT_OBEY")
    assert live["SCHEDULER"] == "scrapy.core.scheduler.Scheduler"
    replay = settings_with_addons("kayhan", NEWSCRAWL_REPLAY=str(tmp_path))
    assert replay["HTTPCACHE_STORAGE"] == "newscrawl.replay.ReplayStorage"
    assert not replay.getbool("ROBOTSTXT_OBEY")
    assert replay["NEWSCRAWL_STATE"] == ""  # its own seen-store, in memory
    assert replay["NEWSCRAWL_TEXT_DIR"] == f"output/replay/{tmp_path.name}/text"
    named = settings_with_addons("kayhan", NEWSCRAWL_REPLAY=str(tmp_path), NEWSCRAWL_STATE="s")
    assert named["NEWSCRAWL_STATE"] == "s"
    record = settings_with_addons("kayhan", NEWSCRAWL_RECORD=str(tmp_path / "c.warc.gz"))
    assert record["HTTPCACHE_STORAGE"] == "newscrawl.record.RecordStorage"
    assert record.getbool("ROBOTSTXT_OBEY")  # a live crawl, recorded
    redis = settings_with_addons("kayhan", REDIS_URL="redis://127.0.0.1:1/0")
    assert redis["SCHEDULER"] == "scrapy_redis.scheduler.Scheduler"
    assert redis.getint("NEWSCRAWL_COMMIT_EVERY") == 1


def test_replay_mode_leaves_out_what_only_a_server_reads(tmp_path: Path):
    write_warc(tmp_path / "a.warc", [("https://kayhan.ir/fa/news/1", 200, [], PAGE)])
    cookies = "scrapy.downloadermiddlewares.cookies.CookiesMiddleware"
    referer = "scrapy.spidermiddlewares.referer.RefererMiddleware"
    settings = settings_with_addons("kayhan", NEWSCRAWL_REPLAY=str(tmp_path))
    downloader = settings.get_component_priority_dict_with_base("DOWNLOADER_MIDDLEWARES")
    assert cookies not in downloader
    assert "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware" not in downloader
    # Left out of Scrapy's defaults, not listed as None: Scrapy would import it to match it.
    assert cookies not in settings.getdict("DOWNLOADER_MIDDLEWARES")
    # The project's own middlewares stay.
    counting = "newscrawl.downloadermiddlewares.counted_decompression"
    assert downloader[f"{counting}.CountingHttpCompressionMiddleware"] == 590
    # Kept: Scrapy's redirect middlewares hand it the Referer of a redirect, and warn
    # ("found no RefererMiddleware instance") on every run without it.
    assert referer in settings.get_component_priority_dict_with_base("SPIDER_MIDDLEWARES")
    assert settings.getdict("DOWNLOAD_HANDLERS") == {"http": None, "https": None}
    # A middleware the user lists keeps the user's order.
    chosen = settings_with_addons(
        "kayhan", NEWSCRAWL_REPLAY=str(tmp_path), DOWNLOADER_MIDDLEWARES={cookies: 700}
    )
    assert chosen.get_component_priority_dict_with_base("DOWNLOADER_MIDDLEWARES")[cookies] == 700
    # A live crawl keeps them all.
    live = settings_with_addons("kayhan")
    assert cookies in live.get_component_priority_dict_with_base("DOWNLOADER_MIDDLEWARES")
    assert referer in live.get_component_priority_dict_with_base("SPIDER_MIDDLEWARES")


_URL_PIECES = st.sampled_from(
    [
        *"abcXYZ019-._~!$&'()*+,;=:@/",
        *("%D8", "%A7", "%d8", "%41", "%20", "%2F", "%FF", "%C0", "%7E", "%", "%G1"),
        *("/.", "/..", "./", "//", "?", "?b=1&a=2", "#x", " ", "ا"),
    ]
)
_HOSTS = st.sampled_from(
    [
        *("kayhan.ir", "www.tasnimnews.com", "Kayhan.ir", "kayhan.ir.", "xn--mgba3a4f16a.ir"),
        *("kayhan.ir:443", "kayhan.ir:8080", "a-b.ir", "-a.ir", "ایران.ir", "", "kayhan..ir"),
    ]
)


@settings(max_examples=3000, deadline=None)
@given(
    st.sampled_from(["https", "http", "HTTPS", "ftp"]),
    _HOSTS,
    st.lists(_URL_PIECES, max_size=12).map("".join),
)
@example("https", "kayhan.ir", "/fa/news/1/%D8%A7-%DB%8C")
def test_url_key_is_the_canonical_url_without_its_scheme(scheme, host, path):
    """url_key skips canonicalize_url for a URL already canonical: the same key either way."""
    url = f"{scheme}://{host}{path}"
    try:
        expected = canonicalize_url(url, keep_fragments=False).split("://", 1)[-1]
    except ValueError:  # canonicalize_url refuses it: url_key must too
        with pytest.raises(ValueError):
            url_key(url)
        return
    assert url_key(url) == expected
