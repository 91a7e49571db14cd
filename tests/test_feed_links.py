"""Feed outcomes (newscrawl/feed_links.py): usable, malformed but recovered, empty, rejected;
entity expansion and external entities never happen. Unit, property and end-to-end tests."""

from __future__ import annotations

import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import FIXTURES, OUTLETS
from crawl_helpers import run_crawl
from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy.selector import Selector

from newscrawl.feed_links import OUTCOMES, feed_links

ITEM = "<item><title>{title}</title><link>https://kayhan.ir/fa/news/{code}/x</link></item>"


def rss(*items: str, prolog: str = "") -> bytes:
    channel = "<channel><title>t</title>" + "".join(items) + "</channel>"
    return f'<?xml version="1.0"?>{prolog}<rss>{channel}</rss>'.encode()


def kayhan_items(*codes: int) -> list[str]:
    return [ITEM.format(title=f"خبر {code}", code=code) for code in codes]


@pytest.mark.parametrize("outlet", OUTLETS)
def test_every_fixture_feed_is_ok_with_the_links_a_selector_finds(outlet):
    body = (FIXTURES / outlet / "feed.xml").read_bytes()
    found = feed_links(body)
    expected = Selector(text=body.decode("utf-8"), type="xml").xpath(
        "//*[local-name()='item']/*[local-name()='link']/text()"
        " | //*[local-name()='entry']/*[local-name()='link']/@href"
        " | //*[local-name()='item']/*[local-name()='guid']/text()"
    )
    assert found.outcome == "ok"
    assert found.links == [link.strip() for link in expected.getall()]
    assert found.links


def test_atom_feed():
    body = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry>'
        b'<link href="https://kayhan.ir/fa/news/7/x"/></entry></feed>'
    )
    assert feed_links(body).links == ["https://kayhan.ir/fa/news/7/x"]


@pytest.mark.parametrize(
    ("body", "recovered"),
    [
        # A bare ampersand in a title.
        (rss(*kayhan_items(1, 2)).replace(b"<title>t</title>", b"<title>A & B</title>"), 2),
        # An unclosed tag.
        (rss(*kayhan_items(1, 2)).replace(b"</link></item>", b"</item>", 1), 2),
        # Cut off in the third item.
        (rss(*kayhan_items(1, 2, 3))[:-100], 2),
    ],
    ids=["bare-ampersand", "unclosed-tag", "cut-off"],
)
def test_malformed_feeds_are_recovered_and_said_so(body, recovered):
    found = feed_links(body)
    assert found.outcome == "malformed", found
    assert found.links[:recovered] == [f"https://kayhan.ir/fa/news/{n}/x" for n in (1, 2)]
    assert found.detail  # lxml's reason, for the log line


BILLION_LAUGHS = (
    '<!DOCTYPE rss [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
        for n in range(1, 10)
    )
    + "]>"
)


def test_entity_expansion_is_rejected_and_never_expanded():
    body = rss(ITEM.format(title="&lol9;", code=5), prolog=BILLION_LAUGHS)
    found = feed_links(body)
    assert found.outcome == "rejected" and found.links == []
    assert "declares entities" in found.detail


class Trap(BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 (a test's record)

    def do_GET(self):
        Trap.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"https://kayhan.ir/fa/news/666/x")

    def log_message(self, *args):
        pass


def test_external_entities_are_neither_read_nor_fetched(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("https://kayhan.ir/fa/news/424242/secret")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Trap)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/entity"
        prolog = (
            f'<!DOCTYPE rss [<!ENTITY file SYSTEM "{secret.as_uri()}">'
            f'<!ENTITY web SYSTEM "{url}">]>'
        )
        body = rss("<item><link>&file;</link></item><item><link>&web;</link></item>", prolog=prolog)
        found = feed_links(body)
    finally:
        server.shutdown()
        server.server_close()
    assert found.outcome == "rejected" and found.links == []
    assert Trap.hits == []
    assert "424242" not in repr(found)


@pytest.mark.parametrize(
    ("body", "outcome", "detail"),
    [
        (b"", "rejected", "empty body"),
        (b"\x00\x01 not xml at all", "rejected", "not XML"),
        (b"<html><body><a href='/fa/news/1/x'>x</a></body></html>", "rejected", "not a feed"),
        (rss(), "empty", "no item"),
        (rss()[:30], "rejected", "malformed, no link recovered"),
    ],
)
def test_unusable_feeds(body, outcome, detail):
    found = feed_links(body)
    assert (found.outcome, found.links) == (outcome, [])
    assert detail in found.detail


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000) | st.text(max_size=500).map(lambda t: rss(t)))
def test_any_body_gives_an_outcome_and_never_raises(body):
    found = feed_links(body)
    assert found.outcome in OUTCOMES
    assert (found.outcome in ("ok", "malformed")) == bool(found.links)


# --- end to end -------------------------------------------------------------------------
def replay_with_feed(tmp_path: Path, feed: bytes, listing: bool = True):
    source = tmp_path / "pages"
    shutil.copytree(FIXTURES / "kayhan", source)
    (source / "feed.xml").write_bytes(feed)
    if not listing:  # the listing page gone: the feed is the only way in
        (source / "listing.html").write_bytes((source / "challenge.html").read_bytes())
    return run_crawl("kayhan", tmp_path / "run", "-a", f"replay={source}")


def test_a_crawl_whose_only_feed_is_an_entity_bomb_fails_its_feeds_monitor(tmp_path):
    result = replay_with_feed(tmp_path, rss(*kayhan_items(1), prolog=BILLION_LAUGHS))
    stats = result.stats
    assert stats["feed/rejected"] == 1 and "feed/ok" not in stats
    assert stats.get("feed/links", 0) == 0
    assert "Feeds/at least one usable feed" in stats["monitors/failed_names"]
    assert result.returncode == 1
    assert "Monitor failed: Feeds/at least one usable feed: none of the 1 feeds" in result.log
    [line] = [line for line in result.log.splitlines() if "Feed https://kayhan.ir" in line]
    assert "WARNING" in line and "rejected: declares entities" in line
    assert "listing/ok" in stats  # the listing still brought the articles
    assert result.items


def test_a_malformed_feed_is_used_and_counted(tmp_path):
    feed = (FIXTURES / "kayhan" / "feed.xml").read_bytes()
    broken = feed.replace(b"</title>", b" & co</title>", 1)
    result = replay_with_feed(tmp_path, broken, listing=False)
    stats = result.stats
    assert stats["feed/malformed"] == 1 and stats["feed/links"] == len(feed_links(feed).links)
    assert stats["listing/failed"] == 1  # the challenge page answered for the listing
    assert "Feeds/at least one usable feed" not in stats.get("monitors/failed_names", [])
    assert result.items
    assert [line for line in result.log.splitlines() if "is malformed, " in line]
