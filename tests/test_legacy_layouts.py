"""Layout drift: each outlet keeps the selectors of its older designs (archive pages), and the
design of a page is detected from the page itself, not taken from its date."""

import lxml.html
import pytest
from conftest import OUTLETS, article_fixtures, fixture_response, make_spider

from newscrawl.article import find_article, match_layout
from newscrawl.extraction import extract_paragraphs
from newscrawl.selection import Page
from tests.fixture_pages import page_response


def matching_layouts(spider, response) -> list[str]:
    """Every layout whose title and body container are on the page (not only the first)."""
    page = Page(response.selector.root)
    return [layout.name for layout in spider.layouts if match_layout(page, layout) is not None]


@pytest.mark.parametrize("outlet", OUTLETS)
def test_every_layout_has_fixtures_and_each_page_matches_one_layout(outlet):
    spider = make_spider(outlet)
    assert len(spider.layouts) >= 2, "the current design and at least one older one"
    used = []
    for fixture in article_fixtures(outlet):
        response = page_response(fixture.url, fixture.page)
        matches = matching_layouts(spider, response)
        # Exactly one: the choice does not depend on the order the layouts are tried in.
        assert len(matches) == 1, (fixture.id, matches)
        found = find_article(Page(response.selector.root), type(spider))
        assert found.layout_name == matches[0]
        used.append(matches[0])
    assert set(used) == {layout.name for layout in spider.layouts}, "a layout without a page"


@pytest.mark.parametrize("outlet", OUTLETS)
@pytest.mark.parametrize("page", ["listing.html", "soft404.html"])
def test_no_layout_takes_a_non_article_page(outlet, page):
    spider = make_spider(outlet)
    assert matching_layouts(spider, fixture_response(outlet, page)) == []


def test_table_among_loose_text_gives_one_paragraph_per_row():
    """Old editors wrote the text straight into the container, <br>-separated, with a table
    in the middle (the Borna archive page)."""
    container = lxml.html.fromstring(
        "<div>اول متن<br/><br/>شرح جدول:<br/>"
        "<table><tr><td><b>استان</b></td><td><b>سهمیه</b></td></tr>"
        "<tr><td>کرمان</td><td>۱۸۰۰</td></tr></table>"
        "پایان متن</div>"
    )
    assert extract_paragraphs(container) == [
        "اول متن",
        "شرح جدول:",
        "استان | سهمیه",
        "کرمان | ۱۸۰۰",
        "پایان متن",
    ]
