"""A fetched page's bytes parsed into an lxml tree, as parsel would, but once.

parsel (``response.selector``) parses the decoded text re-encoded to UTF-8: for a page that
is UTF-8 already (every outlet's), a copy of 100-200 KB made only to be parsed again. And a
Scrapy ``Selector`` refers back to the response that caches it: the pair, and with it the
page's whole tree (~2 MB), is freed only by the cyclic garbage collector, not when the
callback is done. Here the body bytes themselves are parsed when they are the UTF-8 the
response decoded cleanly, and nothing refers back.

Elements are ``lxml.html.HtmlElement`` (what trafilatura and parsel expect), by a lookup in
C: lxml.html's own parser picks each element's class in Python (FormElement, InputElement...),
~0.5 µs for every element a lookup touches, which nothing here uses.
"""

from __future__ import annotations

import codecs

from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction
from scrapy.http import Response

_LOOKUP = etree.ElementDefaultClassLookup(
    element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
)
# A parser is reusable, one parse at a time (a Scrapy process parses in one thread).
_PARSER = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
_PARSER.set_element_class_lookup(_LOOKUP)


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


def parse_page(response: Response) -> HtmlElement:
    """The root element of ``response``'s page (an empty ``<html>`` for an empty page)."""
    root = etree.fromstring(page_markup(response) or b"<html/>", _PARSER, base_url=response.url)
    if root is None:  # markup with no element at all (a comment, whitespace)
        root = etree.fromstring(b"<html/>", _PARSER, base_url=response.url)
    return root


def new_element(tag: str) -> HtmlElement:
    """A new element (of a new document) whose descendants are looked up as the parsed
    pages' are: what wraps a copied article container for trafilatura."""
    return _PARSER.makeelement(tag)
