"""Bad input (tests/fixtures/bad/): each page parsed as the crawler would, then all of them in
one replay crawl. Never a crash, never a junk item; each case a log line and a stat."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from conftest import BAD_PAGES, FIXTURES, assert_item_matches, make_response
from crawl_helpers import run_crawl

from newscrawl.article import without_repeats
from newscrawl.downloadermiddlewares.charset_correction import CharsetCorrectionMiddleware
from newscrawl.replay import MANIFEST_NAME, load_response, read_manifest
from pipelines.text_files import TextFilePipeline
from tests.fixture_pages import make_spider, page_response

BAD = BAD_PAGES
PAGES = list(read_manifest(BAD / MANIFEST_NAME))
GOOD = json.loads((FIXTURES / "kayhan" / "260941.json").read_text(encoding="utf-8"))


def urls_of(file_name: str) -> list[str]:
    return [url for url, page in PAGES if page.path.name == file_name]


def parse(file_name: str, url: str | None = None):
    """(items, stats) of the page as the crawler gets it: after the charset middleware."""
    url = url or urls_of(file_name)[0]
    [page] = {p for u, p in PAGES if p.path.name == file_name}
    spider = make_spider("kayhan")
    response = page_response(url, page)
    response = CharsetCorrectionMiddleware(spider.crawler.stats).process_response(
        response.request, response
    )
    return list(spider.parse_article(response)), spider.crawler.stats.get_stats()


def expected_item(code: str) -> dict:
    """The good page's item, as article ``code``."""
    return {**GOOD, "code": code, "url": f"https://kayhan.ir/fa/news/{code}"}


def skip_logged(caplog, url: str, reason: str) -> bool:
    return any(
        record.getMessage().startswith(f"No item from {url}: {reason}") for record in caplog.records
    )


@pytest.mark.parametrize(
    ("file_name", "reason", "level"),
    [
        ("soft404.html", "soft_404", logging.INFO),
        ("challenge.html", "cdn_challenge", logging.WARNING),
        ("challenge-403.html", "cdn_challenge", logging.WARNING),
        ("truncated.html", "truncated", logging.WARNING),
        ("empty-body.html", "empty_body", logging.WARNING),
        ("lead-only-body.html", "empty_body", logging.WARNING),
        ("no-code.html", "no_code", logging.WARNING),
        ("code-absurd.html", "bad_code", logging.WARNING),
        ("binary.png", "not_html", logging.INFO),
        ("binary.pdf", "not_html", logging.INFO),
        ("binary.gz", "not_html", logging.INFO),
    ],
)
def test_page_that_is_not_an_article_yields_no_item(caplog, file_name, reason, level):
    url = urls_of(file_name)[0]
    with caplog.at_level(logging.INFO):
        items, stats = parse(file_name)
    assert items == []
    assert stats[f"skip/{reason}"] == 1
    assert skip_logged(caplog, url, reason)
    assert max(r.levelno for r in caplog.records if url in r.getMessage()) == level


def test_challenge_is_served_with_403():
    [(_, page)] = [(u, p) for u, p in PAGES if p.path.name == "challenge-403.html"]
    assert page.status == 403


def test_the_good_page_is_not_truncated():
    """The check that refuses a cut-off page accepts the whole page it was cut from."""
    spider = make_spider("kayhan")
    body = (FIXTURES / "kayhan" / "260941.html").read_bytes()
    [item] = spider.parse_article(make_response("https://kayhan.ir/fa/news/260941", body))
    assert item["body"] == GOOD["body"]


def test_windows_1256_page_gives_the_article():
    items, stats = parse("cp1256.html")
    [item] = items
    assert_item_matches(dict(item), expected_item("900005"))
    assert "encoding/corrected" not in stats  # declared right: nothing to correct


@pytest.mark.parametrize(
    ("file_name", "code", "really"),
    [
        ("utf8-declared-cp1256.html", "900006", "utf-8"),
        ("cp1256-declared-utf8.html", "900007", "cp1256"),
    ],
)
def test_wrong_declared_charset_is_corrected(caplog, file_name, code, really):
    url = urls_of(file_name)[0]
    [page] = {p for u, p in PAGES if p.path.name == file_name}
    as_declared = load_response(url, page)
    assert as_declared.encoding != really
    assert GOOD["title"] not in as_declared.text  # mojibake, as Scrapy alone would decode it
    with caplog.at_level(logging.INFO):
        [item], stats = parse(file_name)
    assert_item_matches(dict(item), expected_item(code))
    assert stats["encoding/corrected"] == 1
    assert any(
        r.levelno == logging.WARNING and r.getMessage().startswith(f"Wrong charset on {url}")
        for r in caplog.records
    )


@pytest.mark.parametrize(
    ("file_name", "shown"),
    [
        ("date-30-esfand-1401.html", "۳۰ اسفند ۱۴۰۱ - ۲۲:۱۵"),
        ("date-31-esfand.html", "۳۱ اسفند ۱۴۰۲ - ۲۲:۱۵"),
        ("date-malformed.html", "۰۷ اسفن ۱۴۰۱ - ۲۵:۷۰"),
    ],
)
def test_impossible_or_malformed_date_is_replaced_by_the_machine_readable_one(
    caplog, file_name, shown
):
    """The page's JSON-LD still holds its real time: that one dates the article."""
    url = urls_of(file_name)[0]
    with caplog.at_level(logging.INFO):
        [item], stats = parse(file_name)
    code = re.search(r"\d+$", url)[0]
    expected = {**expected_item(code), "published_text": shown, "published_source": "json-ld"}
    assert_item_matches(dict(item), expected)
    assert stats["date/invalid"] == 1
    assert any(
        r.levelno == logging.WARNING and r.getMessage().startswith(f"Bad date on {url}")
        for r in caplog.records
    )


@pytest.mark.parametrize("file_name", ["date-30-esfand-1401.html", "date-malformed.html"])
def test_impossible_date_and_no_machine_readable_one_keeps_the_article_without_a_date(
    file_name,
):
    url = urls_of(file_name)[0]
    [page] = {p for u, p in PAGES if p.path.name == file_name}
    html = re.sub(rb'"datePublished": "[^"]*",', b"", page.path.read_bytes())
    spider = make_spider("kayhan")
    [item] = list(spider.parse_article(make_response(url, html)))
    assert item["published"] is None and item["published_source"] is None
    assert "تاریخ انتشار" not in item["text"]  # no invented date line in the document
    stats = spider.crawler.stats.get_stats()
    assert stats["date/invalid"] == 1 and stats["date/missing"] == 1


def test_traversal_in_url_or_shown_code_never_names_a_file(tmp_path: Path):
    encoded, dotted = urls_of("code-traversal.html")
    assert "%2e%2e" in encoded and "/../" in dotted
    items, stats = parse("code-traversal.html", encoded)
    assert items == [] and stats["skip/no_code"] == 1  # "../../../../tmp/owned" is no code
    [item], _ = parse("code-traversal.html", dotted)
    assert item["code"] == "900014" and item["url"] == "https://kayhan.ir/fa/news/900014"
    text_dir = tmp_path / "deep" / "er" / "text"
    crawler = make_spider("kayhan", NEWSCRAWL_TEXT_DIR=str(text_dir)).crawler
    TextFilePipeline.from_crawler(crawler).process_item(item)
    assert [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()] == [
        "deep/er/text/kayhan/900014.txt"
    ]


def test_mobile_copy_inside_the_body_comes_out_once(caplog):
    with caplog.at_level(logging.INFO):
        [item], stats = parse("mobile-duplicate.html")
    assert_item_matches(dict(item), expected_item("900019"))
    assert stats["extract/repeated_paragraphs"] >= 1
    assert any("repeated paragraphs" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("form", ["paragraphs", "whole_page"])
def test_mobile_copy_comes_out_once_in_other_forms(form):
    """The copy as <p>s (trafilatura drops that itself), and a page no layout matches
    (whole-page extraction): no long paragraph twice in the body either way."""
    html = (BAD / "mobile-duplicate.html").read_text(encoding="utf-8")
    if form == "paragraphs":
        html = re.sub(r"<br>", "</p>\n<p>", html)
    else:
        html = re.sub(r'\s(class|id|style|itemprop)="[^"]*"', "", html)
    spider = make_spider("kayhan")
    [item] = spider.parse_article(
        make_response("https://kayhan.ir/fa/news/900019", html.encode("utf-8"))
    )
    paragraphs = item["body"].split("\n\n")
    long_ones = [p for p in paragraphs if len(p) >= 40]
    assert len(long_ones) == len(set(long_ones))
    assert GOOD["body"].split("\n\n")[0] in paragraphs


def test_short_repeats_that_are_no_copy_stay():
    """A separator or a recurring short line is text, not a copy."""
    long_a, long_b = "الف " * 20, "ب " * 30
    paragraphs = [long_a.strip(), "***", long_b.strip(), "***", "پرسش:", "پاسخ", "پرسش:"]
    assert without_repeats(paragraphs) == (paragraphs, 0)


# --- all of them in one replay crawl ---------------------------------------------------------
def test_replay_crawl_of_every_bad_page(tmp_path: Path):
    """Every bad URL, plus one longer than Scrapy's URLLENGTH_LIMIT, through the real crawler:
    it finishes, emits exactly the real articles among them, counts and logs each reason, and
    writes nothing but its outputs and the articles' text files."""
    urls = [url for url, _ in PAGES] + ["https://kayhan.ir/fa/news/900020/" + "x" * 3000]
    (tmp_path / "urls.txt").write_text("\n".join(urls) + "\n", encoding="utf-8")
    work = tmp_path / "a" / "b" / "run"  # the traversals, resolved, would still land in tmp_path
    result = run_crawl("kayhan", work, "-a", f"urls={tmp_path / 'urls.txt'}", "-a", f"replay={BAD}")
    assert result.returncode == 0, result.log[-3000:]
    stats = result.stats
    assert stats["finish_reason"] == "finished"
    assert not [k for k in stats if k.startswith("spider_exceptions/")], result.log[-3000:]
    codes = sorted(item["code"] for item in result.items)
    assert codes == ["900005", "900006", "900007", "900010", "900011", "900012", "900014", "900019"]
    for item in result.items:
        if item["code"] not in ("900010", "900011", "900012"):
            assert_item_matches(item, expected_item(item["code"]))
    expected_stats = {
        "skip/soft_404": 1,
        "skip/cdn_challenge": 2,
        "skip/truncated": 1,
        "encoding/corrected": 2,
        "skip/empty_body": 2,
        "date/invalid": 3,
        "skip/no_code": 2,
        "skip/bad_code": 1,
        "skip/not_html": 3,
        "urllength/request_ignored_count": 1,
    }
    assert {name: stats.get(name) for name in expected_stats} == expected_stats
    assert stats["extract/repeated_paragraphs"] >= 1
    assert stats.get("replay/miss", 0) == 0
    for reason in ("soft_404", "cdn_challenge", "truncated", "empty_body", "no_code", "bad_code"):
        assert f": {reason}" in result.log, reason
    assert "Ignoring link (url length" in result.log
    # Files: the outputs named on the command line, and one text file per article.
    text_files = sorted(
        p.relative_to(result.text_dir).as_posix() for p in result.text_dir.rglob("*") if p.is_file()
    )
    assert text_files == [f"kayhan/{code}.txt" for code in codes]
    outputs = {"urls.txt", "items.jsonl", "stats.json"}
    strays = [
        p
        for p in tmp_path.rglob("*")
        if p.is_file()
        and result.text_dir not in p.parents
        and p.name not in outputs
        and not p.name.startswith("state.sqlite3")  # the seen-store, inside work/
        and p.parent.name != "manifests"  # the run manifest
    ]
    assert strays == []


def test_derived_pages_are_not_kept_in_the_source_tree():
    """The bad pages are derived at test start into a temporary directory (conftest.py):
    the source tree holds only their manifest."""
    kept = sorted(p.name for p in (FIXTURES / "bad" / "kayhan").iterdir())
    assert kept == ["manifest.tsv"]
