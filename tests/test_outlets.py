"""Per-outlet parsing: fixture page in, expected item out; non-articles yield nothing."""

import re

import pytest
from conftest import (
    FIXTURES,
    OUTLETS,
    SPIDERS,
    article_fixtures,
    assert_item_matches,
    fixture_response,
    make_response,
    make_spider,
)

from bench.quality import token_scores
from newscrawl.article import FALLBACK, parse_response
from tests.fixture_pages import (
    EXPECTED_FIELDS,
    expected_of,
    non_article_pages,
    page_response,
    saved_html_pages,
)

ARTICLES = article_fixtures()


def test_every_outlet_has_its_fixture_set():
    for outlet in OUTLETS:
        assert len(article_fixtures(outlet)) >= 6, outlet


@pytest.mark.parametrize("fixture", ARTICLES, ids=[f.id for f in ARTICLES])
def test_article_page_gives_expected_item(fixture):
    """Page in, expected JSON out, through the crawler-free parser."""
    response = page_response(fixture.url, fixture.page)
    article = parse_response(response, SPIDERS.load(fixture.outlet))
    assert_item_matches({**article.fields, "text": article.text}, fixture.expected)
    assert article.layout != FALLBACK, "a declared layout matches"
    assert 80_000 <= len(response.body) <= 160_000, "fixture pages are as heavy as real ones"


@pytest.mark.parametrize("outlet", OUTLETS)
def test_every_saved_page_has_a_complete_expected_json(outlet):
    """Each HTML page of the manifest says what it must give: an item with every field
    (tests/regenerate_expected.py writes them; a person reviews the diff), or a skip."""
    pages = saved_html_pages(FIXTURES / outlet)
    assert pages
    for _url, page in pages:
        expected = expected_of(page)
        assert expected is not None, f"{page.path} has no expected JSON"
        if "skip" in expected:
            assert set(expected) == {"skip"}, page.path
            continue
        missing = [f for f in (*EXPECTED_FIELDS, "leaks") if f not in expected]
        assert not missing, f"{page.path.with_suffix('.json')} lacks {missing}"


@pytest.mark.parametrize(
    ("outlet", "url", "page"),
    [(o, u, p) for o in OUTLETS for u, p in non_article_pages(FIXTURES / o)],
    ids=lambda v: v.path.name if hasattr(v, "path") else None,
)
def test_non_article_page_gives_its_expected_skip(outlet, url, page):
    spider = make_spider(outlet)
    assert list(spider.parse_article(page_response(url, page))) == []
    reason = expected_of(page)["skip"]
    assert spider.crawler.stats.get_value(f"skip/{reason}") == 1


@pytest.mark.parametrize("outlet", OUTLETS)
def test_challenge_served_as_403_is_recognised(outlet):
    challenge = fixture_response(outlet, "challenge.html")
    spider = make_spider(outlet)
    assert list(spider.parse_article(challenge.replace(status=403))) == []
    assert spider.crawler.stats.get_value("skip/cdn_challenge") == 1


@pytest.mark.parametrize("outlet", OUTLETS)
def test_feed_and_listing_discover_every_article(outlet):
    for page, parse in (("feed.xml", "parse_feed"), ("listing.html", "parse_listing")):
        spider = make_spider(outlet)
        wanted = {spider.article_key(f.url) for f in article_fixtures(outlet)}
        requests = list(getattr(spider, parse)(fixture_response(outlet, page)))
        found = {spider.article_key(r.url) for r in requests}
        assert wanted <= found, page
        articles = [r for r in requests if spider.article_key(r.url)]
        assert all(r.url.startswith("https://") and "?" not in r.url for r in articles)


@pytest.mark.parametrize("fixture", [article_fixtures(o)[0] for o in OUTLETS], ids=OUTLETS)
def test_unknown_layout_falls_back_to_the_structural_fallback(fixture):
    """A redesign nobody declared: class names gone. The article still comes out, counted,
    and its body is the article's, not the page's."""
    html = re.sub(rb'\s(class|id|style|itemprop)="[^"]*"', b"", fixture.page.path.read_bytes())
    spider = make_spider(fixture.outlet)
    [item] = list(spider.parse_article(make_response(fixture.url, html)))
    assert spider.crawler.stats.get_value("extract/fallback") == 1
    assert item["code"] == fixture.expected["code"]
    first_paragraph = fixture.expected["body"].split("\n\n")[0]
    assert first_paragraph[:40] in item["body"]
    assert token_scores(item["body"], fixture.expected["body"])[2] >= 0.9


@pytest.mark.parametrize(
    "fixture", [article_fixtures(o)[0] for o in ("kayhan", "borna")], ids=["kayhan", "borna"]
)
def test_code_on_page_must_match_code_in_url(fixture):
    """The page shows its code; served at another article's URL it is not that article."""
    spider = make_spider(fixture.outlet)
    wrong_url = fixture.url.replace(fixture.expected["code"], "1" + fixture.expected["code"])
    assert (
        list(spider.parse_article(make_response(wrong_url, fixture.page.path.read_bytes()))) == []
    )
    assert spider.crawler.stats.get_value("skip/code_mismatch") == 1


@pytest.mark.parametrize("fixture", ARTICLES[:1], ids=["zwnj"])
def test_strip_zwnj_setting(fixture):
    spider = make_spider(fixture.outlet, NEWSCRAWL_STRIP_ZWNJ=True)
    response = page_response(fixture.url, fixture.page)
    [item] = list(spider.parse_article(response))
    assert "\u200c" not in item["text"] and "\u200c" not in item["body"]
    assert item["body"] == fixture.expected["body"].replace("\u200c", "")
