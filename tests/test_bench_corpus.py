"""The benchmark's corpus builder: its pages replay, and the crawler takes them as articles."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import make_spider
from crawl_helpers import run_crawl
from scrapy import Request

from bench.benchmark import TakingTurns, run_baselines, run_crawlall
from bench.corpus import CHROME, FIRST_CODE, NO_CHROME, build_corpus, iter_pages, load_templates
from bench.stages import STAGES
from bench.stages import run as run_stages
from newscrawl.replay import ReplayStorage
from newscrawl.text import to_persian_digits

PAGES = 8  # two per outlet


def test_corpus_pages_have_new_codes_and_shuffled_paragraphs(tmp_path: Path):
    corpus = build_corpus(tmp_path, PAGES)
    assert corpus.pages == {"borna": 2, "kayhan": 2, "mashregh": 2, "tasnim": 2}
    templates = {t.outlet: t for t in reversed(load_templates())}  # each outlet's first
    kayhan = templates["kayhan"]
    urls = corpus.urls("kayhan").read_text(encoding="utf-8").split()
    pages = dict(iter_pages(corpus.warc("kayhan")))
    assert list(pages) == urls and len(urls) == 2
    html = pages[urls[0]]
    new_code = urls[0].split("/")[5]
    assert int(new_code) >= FIRST_CODE
    assert not re.search(rf"(?<![0-9]){kayhan.code}(?![0-9])", html)
    # The code the spider checks against the URL, and the canonical link.
    assert f"کد خبر: {to_persian_digits(new_code)}<" in html
    assert f'<link rel="canonical" href="https://kayhan.ir/fa/news/{new_code}/' in html
    # Same paragraphs as the fixture, in some order.
    found = sorted(p for p in kayhan.paragraphs if p.split(">", 1)[1][:40] in html)
    assert found == sorted(kayhan.paragraphs)


def test_corpus_replays_through_the_storage(tmp_path: Path):
    corpus = build_corpus(tmp_path, PAGES)
    spider = make_spider("tasnim", NEWSCRAWL_REPLAY=str(corpus.warc("tasnim")))
    storage = ReplayStorage(spider.crawler.settings)
    storage.open_spider(spider)
    for url in corpus.urls("tasnim").read_text(encoding="utf-8").split():
        response = storage.retrieve_response(spider, Request(url))
        assert response.status == 200
        assert response.headers[b"Content-Encoding"] == b"gzip"


def test_crawl_of_the_corpus_gives_one_item_per_page(tmp_path: Path):
    corpus = build_corpus(tmp_path / "corpus", PAGES, outlets=("mashregh",))
    urls = corpus.urls("mashregh")
    result = run_crawl(
        "mashregh",
        tmp_path / "run",
        "-a",
        f"urls={urls}",
        "-a",
        f"replay={corpus.warc('mashregh')}",
    )
    assert result.returncode == 0, result.log[-2000:]
    codes = sorted(item["code"] for item in result.items)
    expected = sorted(url.split("/")[4] for url in urls.read_text(encoding="utf-8").split())
    assert codes == expected
    assert sorted(result.texts("mashregh")) == expected
    assert "skip/code_mismatch" not in result.stats


def test_baselines_time_the_container_of_every_page(tmp_path: Path):
    corpus = build_corpus(tmp_path, PAGES)
    baseline = run_baselines(corpus, every=1)
    # Every generated page's container is found by its outlet's layouts, so the container
    # figure is over the same pages as plain trafilatura's.
    assert baseline.pages == baseline.container_pages == PAGES
    assert baseline.trafilatura_cpu > 0 and baseline.container_cpu > 0


def test_baselines_take_turns_with_the_crawls_in_whole_passes(tmp_path: Path):
    corpus = build_corpus(tmp_path / "corpus", PAGES)
    once = run_baselines(corpus, every=1)
    turns = TakingTurns(corpus, every=1, slice_seconds=0.2)
    run = run_crawlall(corpus, tmp_path / "work", turns)
    baseline = turns.result()
    assert (run.returncode, run.items) == (0, PAGES)
    # The crawl was stopped for slices of baseline work, which its wall time leaves out.
    assert turns.beside > 0
    # Whole passes only: each page counts as often as the others.
    assert baseline.passes >= 1 and baseline.pages == baseline.passes * once.pages
    assert baseline.per_outlet.keys() == once.per_outlet.keys()


def test_chrome_is_added_after_the_article_and_plain_fixtures_keep_none(tmp_path: Path):
    plain = {t.code: t for t in load_templates(("kayhan",), NO_CHROME)}
    chrome = CHROME["kayhan"]
    for template in load_templates(("kayhan",)):
        bare = plain[template.code]
        assert template.paragraphs == bare.paragraphs
        page, fixture = "".join(template.between), "".join(bare.between)
        # The fixture up to its </body> (but its inline CSS), then the chrome.
        kept = _without_styles(fixture[: fixture.rfind("</body>")])
        assert _without_styles(page).startswith(kept)
        added = _without_styles(page)[len(kept) :]
        assert added.count('<li class="menu-item">') == chrome.menu_links
        assert added.count('<section class="box">') == chrome.link_boxes
        assert added.count('<div class="comment-item') == chrome.comments
        assert "<h1" not in added


def _without_styles(html: str) -> str:
    return re.sub(r"<style[^>]*>.*?</style>", "", html, flags=re.S)


def test_crawlall_over_the_mixed_warc_gives_one_item_per_page(tmp_path: Path):
    corpus = build_corpus(tmp_path / "corpus", PAGES)
    run = run_crawlall(corpus, tmp_path / "work")
    assert corpus.mixed_warc.with_name("all.warc.gz.cdxj").exists()  # indexed, as recorded
    assert (run.returncode, run.pages, run.items, run.text_files) == (0, PAGES, PAGES, PAGES)
    assert run.skips == {} and run.cpu > 0


def test_stage_timings_cover_every_page_of_a_crawlall(tmp_path: Path):
    corpus = build_corpus(tmp_path / "corpus", PAGES)
    result = run_stages(corpus, "all", tmp_path / "work")
    callback = STAGES[0][2]
    assert result["calls"][callback] == PAGES
    # Each wrapped stage ran, once a page for the per-page ones.
    assert all(result["calls"].get(label) for _, _, label in STAGES), result["calls"]
    assert 0 < result["cpu"][callback] < result["total"]
