"""Per-outlet parsing: fixture page in, expected item out; non-articles yield nothing."""

import re

import pytest
from conftest import (
    OUTLETS,
    article_fixtures,
    assert_item_matches,
    fixture_response,
    make_response,
    make_spider,
)

from newscrawl.fixtures import page_response
from newscrawl.quality import token_scores

ARTICLES = article_fixtures()


def test_every_outlet_has_its_fixture_set():
    for outlet in OUTLETS:
        assert len(article_fixtures(outlet)) >= 6, outlet


@pytest.mark.parametrize("fixture", ARTICLES, ids=[f.id for f in ARTICLES])
def test_article_page_gives_expected_item(fixture):
    spider = make_spider(fixture.outlet)
    response = page_response(fixture.url, fixture.page)
    [item] = list(spider.parse_article(response))
    assert_item_matches(dict(item), fixture.expected)
    assert spider.crawler.stats.get_value("extract/fallback") is None
    assert 80_000 <= len(response.body) <= 160_000, "fixture pages are as heavy as real ones"


@pytest.mark.parametrize("outlet", OUTLETS)
@pytest.mark.parametrize(
    ("page", "reason"),
    [
        ("soft404.html", "soft_404"),
        ("challenge.html", "cdn_challenge"),
        ("listing.html", "listing"),
    ],
)
def test_non_article_pages_yield_no_item(outlet, page, reason):
    spider = make_spider(outlet)
    assert list(spider.parse_article(fixture_response(outlet, page))) == []
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
