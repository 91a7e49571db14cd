"""A fetched page's bytes parsed into an lxml tree, as parsel would, but once.

parsel (``response.selector``) parses the decoded text re-encoded to UTF-8: for a page that
is UTF-8 already (every outlet's), a copy of 100-200 KB made only to be parsed again. And a
Scrapy ``Selector`` refers back to the response that caches it: the pair, and with it the
page's whole tree (~2 MB), is freed only by the cyclic garbage collector, not when the
callback is done. Here the body bytes themselves are parsed when they are the UTF-8 the
response decoded cleanly, and nothing refers back.

A page's elements are lxml's own ``_Element``: a proxy of that C type costs less to make
and free than one of ``lxml.html.HtmlElement``, a Python subclass (the page index alone
touches every element: 1.0 against 1.2-1.6 ms a page), and nothing here uses what
``HtmlElement`` adds. What trafilatura is given (it wants an ``HtmlElement``) is a copy of
the article container under ``new_element``, whose document makes ``HtmlElement``s, by a
lookup in C (lxml.html's own parser picks each element's class in Python).
"""

from __future__ import annotations

import codecs

from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction
from scrapy.http import Response

# A parser is reusable, one parse at a time (a Scrapy process parses in one thread).
_PARSER = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
# The documents new_element starts: HtmlElement proxies.
_HTML_ELEMENTS = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
_HTML_ELEMENTS.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
    )
)


def _utf8(encoding: str | None) -> bool:
    try:
        return encoding is not None and codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False


def page_markup(response: Response) -> bytes:
    """The page as UTF-8 bytes, as parsel would parse it: the body itself when it is UTF-8
    and decoded without a replacement character, else the decoded text encoded again."""
    text = getattr(response, "text", None)  # decoded once, cached by the response
    if text is None:
        return response.body
    if _utf8(response.encoding) and "\ufffd" not in text:
        markup = response.body.removeprefix(codecs.BOM_UTF8).strip()
    else:
        markup = text.strip().encode("utf-8")
    return markup.replace(b"\x00", b"") if b"\x00" in markup else markup


def parse_page(response: Response) -> etree._Element:
    """The root element of ``response``'s page (an empty ``<html>`` for an empty page)."""
    root = etree.fromstring(page_markup(response) or b"<html/>", _PARSER, base_url=response.url)
    if root is None:  # markup with no element at all (a comment, whitespace)
        root = etree.fromstring(b"<html/>", _PARSER, base_url=response.url)
    return root


def new_element(tag: str) -> HtmlElement:
    """A new element (of a new document) whose descendants, appended from a page, are
    ``HtmlElement``s: what wraps a copied article container for trafilatura."""
    return _HTML_ELEMENTS.makeelement(tag)
