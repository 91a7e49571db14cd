"""Bad input from the network, through real ``scrapy crawl`` processes: a stand-in of
kayhan.ir on 127.0.0.1 (the crawler's http proxy) that misbehaves per URL. Each case ends
with no crash, no junk item, a log line and a per-reason stat."""

from __future__ import annotations

import contextlib
import gzip
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import FIXTURES
from crawl_helpers import CrawlResult, LoopbackHTTP, QuietHandler, run_crawl

MAXSIZE = 1_000_000  # DOWNLOAD_MAXSIZE of the crawl
TIMEOUT = 2  # DOWNLOAD_TIMEOUT of the crawl, seconds
REDIRECTS = 5  # REDIRECT_MAX_TIMES of the crawl
HOST = "http://kayhan.ir"
GOOD_PAGE = (FIXTURES / "kayhan" / "260941.html").read_bytes()
OTHER_PAGE = (FIXTURES / "kayhan" / "248317.html").read_bytes()

# path -> what the stand-in does there
RETRIED = "/fa/news/260941"  # 503 once, then the article
REDIRECTED = "/fa/news/248317"  # 301 to the slug URL of the same article, then the article
REDIRECTED_TO = "/fa/news/248317/slug"
TOO_LARGE = "/fa/news/910001"  # Content-Length above DOWNLOAD_MAXSIZE
TOO_LARGE_STREAMED = "/fa/news/910002"  # no Content-Length, streams past DOWNLOAD_MAXSIZE
GZIP_BOMB = "/fa/news/910003"  # 1 MB gzip that inflates past DOWNLOAD_MAXSIZE
LOOP = "/fa/news/910004"  # 302 back and forth between two URLs of one article
LOOP_OTHER = "/fa/news/910004/loop"
SILENT = "/fa/news/910007"  # never answers
CUT_OFF = "/fa/news/910008"  # announces 100 kB, sends 5 kB and hangs up


@dataclass
class MisbehavingSite(LoopbackHTTP):
    """HTTP proxy on 127.0.0.1 standing in for kayhan.ir; ``hits`` counts requests per path.
    Every answer is bounded: no response writes more than 3 MB or waits past shutdown."""

    hits: Counter = field(default_factory=Counter)
    release: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> MisbehavingSite:
        site = self
        bomb = gzip.compress(b"<html><body>" + b" " * (30 * MAXSIZE), compresslevel=9)

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                site.hits[path] += 1
                action: Callable[[], None] = {
                    RETRIED: self.retried,
                    REDIRECTED: lambda: self.redirect(REDIRECTED_TO, 301),
                    REDIRECTED_TO: lambda: self.page(OTHER_PAGE),
                    TOO_LARGE: self.too_large,
                    TOO_LARGE_STREAMED: self.too_large_streamed,
                    GZIP_BOMB: lambda: self.page(bomb, encoding="gzip"),
                    LOOP: lambda: self.redirect(LOOP_OTHER, 302),
                    LOOP_OTHER: lambda: self.redirect(LOOP, 302),
                    SILENT: lambda: site.release.wait(30),
                    CUT_OFF: self.cut_off,
                }.get(path, self.not_found)
                with contextlib.suppress(OSError):  # the crawler hung up, as it should
                    action()

            def retried(self) -> None:
                if site.hits[RETRIED] == 1:
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self.page(GOOD_PAGE)

            def page(self, body: bytes, encoding: str | None = None) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                if encoding:
                    self.send_header("Content-Encoding", encoding)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def redirect(self, path: str, status: int) -> None:
                self.send_response(status)
                self.send_header("Location", HOST + path)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def too_large(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(3 * MAXSIZE))
                self.end_headers()
                self.stream(3 * MAXSIZE)

            def too_large_streamed(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()  # HTTP/1.0, no length: the body ends when we close
                self.stream(3 * MAXSIZE)

            def stream(self, size: int) -> None:
                chunk = b"<p>" + b"x" * 65_532 + b"</p>"
                for _ in range(size // len(chunk)):
                    self.wfile.write(chunk)

            def cut_off(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", "100000")
                self.end_headers()
                self.wfile.write(GOOD_PAGE[:5000])

            def not_found(self) -> None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.serve(Handler)
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()  # answers still waiting give up first
        super().__exit__(*exc)


@dataclass
class NetworkCrawl:
    result: CrawlResult
    hits: Counter
    root: Path


@pytest.fixture(scope="module")
def crawl(tmp_path_factory) -> NetworkCrawl:
    """One crawl of every misbehaving URL (they run concurrently, a few seconds in all)."""
    root = tmp_path_factory.mktemp("bad_network")
    paths = (RETRIED, REDIRECTED, TOO_LARGE, TOO_LARGE_STREAMED, GZIP_BOMB, LOOP, SILENT, CUT_OFF)
    (root / "urls.txt").write_text("".join(f"{HOST}{p}\n" for p in paths), encoding="utf-8")
    with MisbehavingSite() as site:
        result = run_crawl(
            "kayhan",
            root / "run",
            "-a",
            f"urls={root / 'urls.txt'}",
            env={"http_proxy": site.url},
            settings={
                "DOWNLOAD_MAXSIZE": MAXSIZE,
                "DOWNLOAD_TIMEOUT": TIMEOUT,
                "REDIRECT_MAX_TIMES": REDIRECTS,
                "RETRY_TIMES": 1,
                "RETRY_BACKOFF_BASE": 0.1,
                # Politeness toward a loopback stand-in would only make the test slow.
                "DOWNLOAD_DELAY": 0,
                "AUTOTHROTTLE_ENABLED": False,
                "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
            },
        )
    return NetworkCrawl(result, site.hits, root)


def log_lines(result: CrawlResult, *fragments: str) -> list[str]:
    return [line for line in result.log.splitlines() if all(f in line for f in fragments)]


def test_crawl_finishes_with_only_the_real_articles(crawl):
    result = crawl.result
    # Exit status 1: the error-log monitor fails on the ERROR lines of the dropped downloads.
    assert result.returncode == 1, result.log[-3000:]
    assert result.stats["monitors/failed_names"] == ["Error log/no ERROR line"]
    assert result.stats["finish_reason"] == "finished"
    assert not [k for k in result.stats if k.startswith("spider_exceptions/")]
    assert sorted(item["code"] for item in result.items) == ["248317", "260941"]
    texts = sorted(p.relative_to(result.text_dir).as_posix() for p in result.text_dir.rglob("*"))
    assert texts == ["kayhan", "kayhan/248317.txt", "kayhan/260941.txt"]
    outputs = {"urls.txt", "items.jsonl", "stats.json"}
    strays = [
        p
        for p in crawl.root.rglob("*")
        if p.is_file()
        and result.text_dir not in p.parents
        and p.name not in outputs
        and not p.name.startswith("state.sqlite3")  # the seen-store, inside run/
        and p.parent.name != "manifests"  # the run manifest
    ]
    assert strays == []


def test_5xx_then_success_gives_the_article_once(crawl):
    result = crawl.result
    assert crawl.hits[RETRIED] == 2
    assert [item["code"] for item in result.items].count("260941") == 1
    assert result.stats["retry/reason_count/503 Service Unavailable"] == 1
    assert log_lines(result, "INFO", f"Retry 1 of {HOST}{RETRIED}", "503 Service Unavailable")


def test_redirect_to_another_url_of_the_same_article_is_followed(crawl):
    """Not taken for a duplicate of the request it continues (one fingerprint per article)."""
    assert crawl.hits[REDIRECTED] == 1 and crawl.hits[REDIRECTED_TO] == 1
    [item] = [i for i in crawl.result.items if i["code"] == "248317"]
    assert item["url"] == "https://kayhan.ir/fa/news/248317"


def test_response_over_the_size_limit_is_cancelled(crawl):
    result = crawl.result
    stat = "downloader/exception_type_count/scrapy.exceptions.DownloadCancelledError"
    assert result.stats[stat] == 2
    assert log_lines(result, "WARNING", f"{HOST}{TOO_LARGE}", "larger than download max size")
    assert log_lines(
        result, "WARNING", f"{HOST}{TOO_LARGE_STREAMED}", "larger than download max size"
    )


def test_gzip_bomb_is_refused_while_inflating(crawl):
    result = crawl.result
    assert crawl.hits[GZIP_BOMB] == 1
    assert result.stats["httpcompression/max_size_exceeded"] == 1
    assert log_lines(result, "WARNING", f"{HOST}{GZIP_BOMB}", "exceeded DOWNLOAD_MAXSIZE")


def test_redirect_loop_ends_at_the_redirect_limit(crawl):
    result = crawl.result
    assert crawl.hits[LOOP] + crawl.hits[LOOP_OTHER] == REDIRECTS + 1
    assert result.stats["redirect/max_reached"] == 1
    assert log_lines(result, "WARNING", f"Gave up on {HOST}{LOOP} after {REDIRECTS} redirects")


def test_timeout_is_retried_then_given_up(crawl):
    result = crawl.result
    assert crawl.hits[SILENT] == 2  # the first attempt and one retry
    assert result.stats["retry/reason_count/scrapy.exceptions.DownloadTimeoutError"] == 1
    assert (
        result.stats["downloader/exception_type_count/scrapy.exceptions.DownloadTimeoutError"] == 2
    )
    assert log_lines(result, "ERROR", f"Gave up retrying <GET {HOST}{SILENT}>", "took longer than")


def test_transfer_cut_off_is_retried_then_given_up(crawl):
    result = crawl.result
    assert crawl.hits[CUT_OFF] == 2
    stat = "downloader/exception_type_count/scrapy.exceptions.ResponseDataLossError"
    assert result.stats[stat] == 2
    assert log_lines(result, "ERROR", f"Gave up retrying <GET {HOST}{CUT_OFF}>")
