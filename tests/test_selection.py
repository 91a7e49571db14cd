"""newscrawl.selection gives exactly what parsel gives (same nodes, same order), however the
classes and tags nest and whatever the selector's shape: its index is only a shortcut."""

from __future__ import annotations

import pytest
from conftest import OUTLETS, article_fixtures, make_spider
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from parsel import Selector

from newscrawl.layout import ARTICLE_BLOCKS, SHARED_BODY_DROP
from newscrawl.selection import Page, compile_selector, select_in
from tests.fixture_pages import page_response


def parsel_nodes(selector: Selector, query: str) -> list:
    found = selector.xpath(query) if query.startswith(("/", "(")) else selector.css(query)
    return [node.root for node in found]


def learnt_page(root: etree._Element, query: str) -> Page:
    """A page whose kind has met ``query`` before: it is evaluated through the index."""
    Page(root).select(query)
    return Page(root)


def assert_same(html: str, query: str) -> None:
    selector = Selector(text=html)
    expected = parsel_nodes(selector, query)
    got = learnt_page(selector.root, query).select(query)
    assert len(got) == len(expected), query
    for ours, theirs in zip(got, expected, strict=True):
        if isinstance(theirs, str):
            assert ours == theirs, query
        else:
            assert ours is theirs, query
    assert Page(selector.root).exists(query) == bool(expected), query


def assert_same_inside(html: str, query: str) -> None:
    """Scoped to each element of the page in turn: as ``select_in`` (an XPath from it)."""
    root = Selector(text=html).root
    page = learnt_page(root, query)
    for element in root.iter(etree.Element):
        expected = select_in(element, query)
        got = page.select_in(element, query)
        assert len(got) == len(expected), (query, element.tag)
        for ours, theirs in zip(got, expected, strict=True):
            assert ours == theirs if isinstance(theirs, str) else ours is theirs, query
            if isinstance(theirs, str):  # smart strings: where the text came from
                assert ours.getparent() is theirs.getparent(), query


# --- generated documents and selectors -----------------------------------------------------
CLASSES = ["a", "b", "a b", "b a", "a\tb", " a  ", "ab", "a a", "c", ""]
TAGS = ["div", "p", "span", "a", "li", "section"]


@st.composite
def element(draw, depth: int = 0) -> str:
    tag = draw(st.sampled_from(TAGS))
    cls = draw(st.sampled_from(CLASSES))
    attrs = f' class="{cls}"' if cls or draw(st.booleans()) else ""
    attrs += draw(st.sampled_from(["", ' id="x"', ' id="xy"', ' id=""', ' ID="X"']))
    if tag == "a":
        attrs += f' href="/n/{draw(st.integers(0, 9))}"'
    children = draw(st.lists(element(depth + 1), max_size=3)) if depth < 4 else []
    text = draw(st.sampled_from(["", "x", "متن", " y "]))
    tail = draw(st.sampled_from(["", "t"]))
    return f"<{tag}{attrs}>{text}{''.join(children)}</{tag}>{tail}"


documents = st.lists(element(), min_size=1, max_size=4).map(
    lambda parts: f"<html><body>{''.join(parts)}</body></html>"
)
CLASS_LED = [".a", ".b", ".a.b", ".c", ".a:not(.b)", "*.b", ".zz"]
TAG_LED = ["div.a", "p", "div", "li.b", "a[href]"]
ATTRIBUTE_LED = ["[id]", "[id='x']", "[ID^=x]", "[id!=x]", "[class*='a']", "[class~=b]", "p[id]"]
compounds = st.sampled_from([*CLASS_LED, *TAG_LED, *ATTRIBUTE_LED])
steps = st.sampled_from(["p", "span", ".b", "a", ".a", "li.a", "*"])
combinators = st.sampled_from([" ", " > ", " + ", " ~ "])
pseudo = st.sampled_from(["", "::text", "::attr(href)", "::attr(class)"])


@st.composite
def css_selector(draw) -> str:
    alternatives = []
    for _ in range(draw(st.integers(1, 2))):
        query = draw(compounds)
        for _ in range(draw(st.integers(0, 2))):
            query += draw(combinators) + draw(steps)
        alternatives.append(query + draw(pseudo))
    return ", ".join(alternatives)


@settings(max_examples=400, deadline=None)
@given(documents, css_selector())
def test_same_nodes_as_parsel_on_generated_pages(html, query):
    assert_same(html, query)


@settings(max_examples=200, deadline=None)
@given(documents, css_selector())
def test_same_nodes_inside_an_element_as_from_it(html, query):
    assert_same_inside(html, query)


# --- the shortcut's edge cases --------------------------------------------------------------
NESTED = """<html><body>
<div class="box" id="outer"><p>one</p><div class="box" id="inner"><p>two</p></div><p>three</p></div>
<div class="box"><p>four</p></div>
</body></html>"""


@pytest.mark.parametrize(
    "query",
    [
        ".box p",  # anchors nest: evaluated from the root
        ".box > p::text",
        ".box, p",  # two alternatives both match: their union in document order
        "p, .box",
        ".missing, .box p",
        ".box + .box",  # a sibling combinator leaves the anchor
        "div p",  # tag anchors nest
        "div > p, p::text",
        "//div[@class='box']//p/text()",
        "(count(//p))",  # an XPath of a number
        "(//p)[last()]",
    ],
)
def test_edge_cases_match_parsel(query):
    if query.startswith("(count"):
        assert Page(Selector(text=NESTED).root).select(query) == [4.0]
        return
    assert_same(NESTED, query)


def test_selectors_led_by_a_tag_or_a_class_use_the_index_and_others_do_not():
    assert compile_selector(".news_path a").anchors is not None
    assert compile_selector("div.body .x").anchors is not None
    assert compile_selector("link[rel='canonical']::attr(href), h1").anchors is not None
    assert compile_selector(".x ~ p").anchors is None
    assert compile_selector("[itemprop='articleBody'] p").anchors is not None
    assert compile_selector("[class*='gallery'] img").anchors is None
    assert compile_selector("h1, *").anchors is None
    assert compile_selector("//div").anchors is None


def test_a_tag_first_compiled_after_the_page_was_indexed_is_found_from_the_root():
    page = Page(Selector(text=NESTED).root)
    assert len(page.select(".box p")) == 4  # the page is indexed now
    assert [e.tag for e in page.select("body")] == ["body"]
    tag = "q" + "x" * 7  # a tag no selector was compiled with before this page was
    assert page.select(tag) == [] and compile_selector(tag).anchors is not None


def test_a_class_first_compiled_after_the_page_was_indexed_is_found_from_the_root():
    # Only classes some selector is anchored on are indexed: one compiled later is not in
    # a page's index built before, and is looked up from the root, not taken as absent.
    html = '<html><body><div class="box"><p class="late-one">x</p></div></body></html>'
    page = Page(Selector(text=html).root)
    assert len(page.select(".box p")) == 1  # the page is indexed now
    assert ("class", "late-one") not in page._index
    assert [e.text for e in page.select(".late-one")] == ["x"]
    assert [e.text for e in page.select_in(page.select(".box")[0], "p.late-one")] == ["x"]
    assert compile_selector(".late-one").anchors == (("class", "late-one"),)


def test_a_page_indexes_what_pages_of_its_kind_were_queried_for_and_no_more():
    html = '<html><body><p class="mine">x</p><p class="theirs">y</p></body></html>'
    root = Selector(text=html).root
    first = Page(root, "kind-a")
    assert [e.text for e in first.select(".mine")] == ["x"]  # from the root: not learnt yet
    assert ("class", "mine") not in first._index
    Page(root, "kind-b").select(".theirs")  # another kind's anchor
    second = Page(root, "kind-a")
    assert [e.text for e in second.select(".mine")] == ["x"]
    assert ("class", "mine") in second._index and ("class", "theirs") not in second._index


def declared_selectors() -> set[str]:
    """Every selector the outlets declare, and the shared ones."""
    found = {*SHARED_BODY_DROP, *ARTICLE_BLOCKS}
    for outlet in OUTLETS:
        spider = make_spider(outlet)
        found.update(spider.soft_404, spider.listing_area)
        for layout in spider.layouts:
            found.update(layout.block)
            for field in FIELDS:
                found.update(getattr(layout, field))
    return found


FIELDS = (
    "title", "body", "uptitle", "lead", "date", "code", "category", "tags",
    "author", "lead_image", "gallery", "drop",
)  # fmt: skip


@pytest.mark.parametrize("outlet", OUTLETS)
def test_every_declared_selector_matches_parsel_on_every_fixture_page(outlet):
    queries = sorted(declared_selectors())
    assert len(queries) > 100
    for fixture in article_fixtures(outlet):
        html = page_response(fixture.url, fixture.page).text
        for query in queries:
            assert_same(html, query)
    html = page_response(fixture.url, fixture.page).text  # the last page: scoped too
    for query in queries:
        assert_same_inside_block(html, query)


def assert_same_inside_block(html: str, query: str) -> None:
    root = Selector(text=html).root
    page = learnt_page(root, query)
    for element in root.iter("article", "main", "body"):
        expected = select_in(element, query)
        got = page.select_in(element, query)
        assert got == expected and all(
            g is e for g, e in zip(got, expected, strict=True) if not isinstance(e, str)
        ), query


def test_an_element_of_a_copy_of_the_page_is_looked_up_in_the_copy():
    """The structural fallback works on a copy of the tree: the page's index knows none of
    its elements, so the copy's own are found."""
    import copy

    html = (
        "<html><body><header><time datetime='2020'>x</time></header>"
        "<article><time datetime='2024'>y</time><p class='a'>z</p></article></body></html>"
    )
    root = Selector(text=html).root
    page = Page(root)
    assert page.select("time::attr(datetime)") == ["2020", "2024"]  # indexed now
    block = copy.deepcopy(root).find(".//article")
    for query in ("time::attr(datetime)", ".a::text", "p.a"):
        assert page.select_in(block, query) == select_in(block, query) != []
