"""End to end: real ``scrapy crawl`` processes over the saved fixtures."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, OUTLETS, article_fixtures, assert_item_matches
from crawl_helpers import LoopbackServer, run_crawl


@pytest.mark.parametrize("outlet", OUTLETS)
def test_replay_crawl_discovers_and_emits_every_article(outlet, tmp_path):
    """Discovery from the feed and listing fixtures, one item and one text file per article,
    nothing from the soft-404, challenge and listing pages."""
    result = run_crawl(outlet, tmp_path, "-a", f"replay={FIXTURES / outlet}")
    assert result.returncode == 0, result.log[-3000:]
    expected = {f.expected["code"]: f.expected for f in article_fixtures(outlet)}
    emitted = {item["code"]: item for item in result.items}
    assert sorted(emitted) == sorted(expected)  # each exactly once
    assert len(result.items) == len(expected)
    for code, item in emitted.items():
        assert_item_matches(item, expected[code])
    texts = result.texts(outlet)
    assert texts == {code: item["text"] for code, item in emitted.items()}
    stats = result.stats
    assert stats["skip/soft_404"] >= 1 and stats["skip/cdn_challenge"] >= 1
    # The listing brought new articles, so the walk asks for its page 2, which is not saved.
    assert stats.get("replay/miss", 0) == 1 and stats.get("replay/blocked", 0) == 0
    assert stats.get("log_count/ERROR", 0) == 0
    assert stats["finish_reason"] == "finished"


def test_urls_file_crawls_exactly_those_urls(tmp_path):
    fixtures = article_fixtures("kayhan")[:2]
    wanted = [f.url for f in fixtures]
    # A variant URL of an article (no slug, http, tracking parameters) and a missing one.
    code = fixtures[1].expected["code"]
    urls = [
        wanted[0],
        f"http://kayhan.ir/fa/news/{code}?utm_source=t#top",
        "https://kayhan.ir/fa/news/1",
        # Another outlet's article (a list of several outlets'): left to its own spider.
        article_fixtures("tasnim")[0].url,
    ]
    (tmp_path / "urls.txt").write_text("# chosen pages\n" + "\n".join(urls) + "\n")
    result = run_crawl(
        "kayhan",
        tmp_path / "run",
        "-a",
        f"urls={tmp_path / 'urls.txt'}",
        "-a",
        f"replay={FIXTURES / 'kayhan'}",
    )
    # The missing article fails the replay-miss monitor, and so the crawl (exit status 1).
    assert result.returncode == 1, result.log[-3000:]
    assert result.stats["monitors/failed_names"] == ["Replay misses/no article page missing"]
    assert sorted(i["code"] for i in result.items) == sorted(f.expected["code"] for f in fixtures)
    assert result.stats["replay/miss"] == 1
    assert "discovery/feed_links" not in result.stats  # no discovery
    # Not requested at all, rather than dropped by the off-site middleware.
    assert result.stats["discovery/urls_file_other_site"] == 1
    assert "offsite/filtered" not in result.stats
    assert "1 URLs on other sites than kayhan's, left" in result.log


def test_replay_never_reaches_the_network(tmp_path):
    """Every request, saved or not, is answered offline: a proxy trap on loopback, through
    which any real fetch would go, sees nothing."""
    with LoopbackServer() as trap:
        (tmp_path / "urls.txt").write_text(
            f"{article_fixtures('borna')[0].url}\n"
            "http://www.borna.news/fa/news/999\nhttps://www.borna.news/fa/rss/99\n"
        )
        proxy = {"http_proxy": trap.url, "https_proxy": trap.url}
        result = run_crawl(
            "borna",
            tmp_path / "run",
            "-a",
            f"urls={tmp_path / 'urls.txt'}",
            "-a",
            f"replay={FIXTURES / 'borna'}",
            env=proxy,
        )
    # Exit status 1: the missing article fails the replay-miss monitor.
    assert result.returncode == 1, result.log[-3000:]
    assert result.stats["monitors/failed_names"] == ["Replay misses/no article page missing"]
    assert trap.hits == []
    assert len(result.items) == 1 and result.stats["replay/miss"] == 2


def test_record_then_replay_gives_the_same_items(tmp_path):
    """Record through a loopback stand-in of the site (gzip-encoded, as servers send), then
    replay the WARC: the same items come out."""
    urls = [f.url.replace("https://", "http://") for f in article_fixtures("mashregh")[:3]]
    (tmp_path / "urls.txt").write_text("\n".join(urls) + "\n")
    warc = tmp_path / "capture.warc.gz"
    with LoopbackServer(FIXTURES / "mashregh") as site:
        recorded = run_crawl(
            "mashregh",
            tmp_path / "record",
            "-a",
            f"urls={tmp_path / 'urls.txt'}",
            "-a",
            f"record={warc}",
            env={"http_proxy": site.url},
        )
    assert recorded.returncode == 0, recorded.log[-3000:]
    assert len(recorded.items) == 3 and warc.stat().st_size > 0
    assert recorded.stats["record/responses"] >= 3
    replayed = run_crawl(
        "mashregh",
        tmp_path / "replay",
        "-a",
        f"urls={tmp_path / 'urls.txt'}",
        "-a",
        f"replay={warc}",
    )
    assert replayed.returncode == 0, replayed.log[-3000:]

    def strip(items):
        return sorted(
            ({k: v for k, v in i.items() if k != "fetched_at"} for i in items),
            key=lambda i: i["code"],
        )

    assert strip(replayed.items) == strip(recorded.items)
    assert replayed.stats.get("replay/miss", 0) == 0
