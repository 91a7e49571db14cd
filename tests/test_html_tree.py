"""The page parse (newscrawl/html_tree.py) gives the tree parsel gives, from the bytes."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml.html import HtmlElement
from scrapy.http import HtmlResponse

from newscrawl.extraction import _prepare, extract_paragraphs
from newscrawl.html_tree import page_markup, parse_page

URL = "https://kayhan.ir/fa/news/1/x"
_PIECES = st.sampled_from(
    (
        *("<p>", "</p>", "<div class='a b'>", "</div>", "سلام", "\u200c", "&amp;", "<br>", " "),
        *("\n", "<!-- c -->", "<script>var a = '<p>';</script>", "\x00", "\ufffd", "é"),
        "</body>",
    )
)


def _parsel_tree(response: HtmlResponse) -> bytes:
    return etree.tostring(response.selector.root, encoding="utf-8")


def _our_tree(response: HtmlResponse) -> bytes:
    return etree.tostring(parse_page(response), encoding="utf-8")


@given(
    pieces=st.lists(_PIECES, max_size=30),
    encoding=st.sampled_from(["utf-8", "windows-1256", "iso-8859-1"]),
    bom=st.booleans(),
    broken=st.booleans(),
)
@settings(max_examples=200, deadline=None)
@example(pieces=["<p>", "سلام"], encoding="utf-8", bom=True, broken=True)
def test_the_tree_is_parsels(pieces: list[str], encoding: str, bom: bool, broken: bool):
    text = "<html><body>" + "".join(pieces) + "</body></html>"
    body = text.encode(encoding, errors="replace")
    if broken:  # a byte that is not UTF-8 (nor anything else cleanly)
        body = body.replace(b"<p>", b"<p>\xff\xfe", 1)
    if bom and encoding == "utf-8":
        body = codecs.BOM_UTF8 + body
    headers = {"Content-Type": f"text/html; charset={encoding}"}
    response = HtmlResponse(URL, body=body, headers=headers)
    assert _our_tree(response) == _parsel_tree(HtmlResponse(URL, body=body, headers=headers))


@pytest.mark.parametrize("body", [b"", b"   ", b"<!-- only a comment -->"])
def test_a_page_without_elements_is_an_empty_html_element(body: bytes):
    root = parse_page(HtmlResponse(URL, body=body, encoding="utf-8"))
    assert root.tag == "html" and len(root) == 0


def test_a_clean_utf8_page_is_parsed_from_its_own_bytes():
    body = "<html><body><p>سلام</p></body></html>".encode()
    response = HtmlResponse(URL, body=body, encoding="utf-8")
    assert page_markup(response) is body  # no copy made
    assert parse_page(response).findtext(".//p") == "سلام"


def test_trafilatura_is_given_html_elements_and_the_page_is_not():
    # trafilatura takes a tree only as lxml.html's HtmlElement (else it wants bytes); a
    # page's own elements are lxml's plain ones, cheaper to make (newscrawl/html_tree.py).
    body = "<html><body><div><p>سلام دنیا</p></div></body></html>".encode()
    root = parse_page(HtmlResponse(URL, body=body, encoding="utf-8"))
    assert not any(isinstance(e, HtmlElement) for e in root.iter())
    for element in (root.find(".//div"), root):  # a container, or the whole page (fallback)
        prepared = _prepare(element, ())
        assert all(isinstance(e, HtmlElement) for e in prepared.iter())
        assert extract_paragraphs(element) == ["سلام دنیا"]
