"""Body extraction: trafilatura on the article container that the outlet's selectors found.

trafilatura strips what the selectors did not (share widgets, ad and link boxes it
recognises), and turns the markup into paragraphs. Three things it does not do for us:

- it deletes every zero-width non-joiner (U+200C, not "printable"), which Persian
  orthography needs: we swap them for a printable placeholder before and back after;
- on a bare container it drops in-body subheadings (``<h3>``): we turn them into paragraphs;
- its comparison with its fallback extractors can throw away tables and lists of a short
  container, so we run it in its ``fast`` mode with ``favor_recall`` (the container is
  already the article; there is nothing to recall beyond it).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Iterator
from configparser import ConfigParser
from dataclasses import dataclass

import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.settings import Extractor, use_config

from newscrawl.body_cleaning import clean_body
from newscrawl.html_tree import new_element
from newscrawl.layout import LINK_BOX_HEADINGS
from newscrawl.text import ZWNJ
from newscrawl.tree import remove_keeping_tail

# A printable letter (Ugaritic) that Persian news never contains: survives trafilatura's
# cleaning, keeps a word in one piece for its heuristics.
_ZWNJ_PLACEHOLDER = "\U00010380"
# What XML 1.0 (and lxml's text setters) refuse.
_XML_INCOMPATIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Never article text, whatever the outlet.
_ALWAYS_DROPPED = (
    "script",
    "style",
    "noscript",
    "iframe",
    "form",
    "button",
    "select",
    "textarea",
    "svg",
    "figcaption",
    "template",
)
TABLE_CELL_SEPARATOR = " | "
_IMAGE_TAGS = ("img", "amp-img")


def _container_config() -> ConfigParser:
    config = use_config()
    # The container is known to be the article: a short one (a photo-news page) is real.
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")
    config.set("DEFAULT", "MIN_OUTPUT_SIZE", "1")
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
    return config


# trafilatura's options, built once: from keyword arguments it would build them (and read
# its configuration) again on every page. The element given is already the article (a
# layout's body container, or the fallback's cleaned block): nothing to recall beyond it.
_OPTIONS = Extractor(
    config=_container_config(),
    # What is read is the body as XML (``document.body``): "xml" leaves it at that, where
    # "python" also renders it as text (~0.07 ms a page, never read). Extraction is the same.
    output_format="xml",
    fast=True,
    recall=True,
    comments=False,
    tables=True,
    images=False,
    links=False,
    formatting=False,
    dedup=False,
    with_metadata=False,
)


@dataclass(frozen=True)
class ExtractedBody:
    paragraphs: list[str]  # with ZWNJs intact; not yet normalised
    image_sources: list[str]  # src of the images left in the cleaned container, as written


def image_source(img: etree._Element) -> str:
    """Where an <img> points: lazy-loading pages keep the real address in data-src."""
    return img.get("data-src") or img.get("src") or ""


def extract_body(
    element: etree._Element,
    drop_xpaths: Iterable[etree.XPath] = (),
    foreign_link: Callable[[str], bool] | None = None,
) -> ExtractedBody:
    """The article in ``element`` (a layout's body container, or the block the structural
    fallback chose): its paragraphs, and the images that are not in dropped boxes nor
    linked away (``foreign_link``, see ``newscrawl.body_cleaning.clean_body``)."""
    tree = _prepare(element, drop_xpaths, foreign_link)
    images = [src.strip() for img in tree.iter(*_IMAGE_TAGS) if (src := image_source(img)).strip()]
    return ExtractedBody(_extract_paragraphs(tree), images)


def extract_paragraphs(
    element: etree._Element, drop_xpaths: Iterable[etree.XPath] = ()
) -> list[str]:
    """Paragraphs of the article in ``element``, with ZWNJs intact; not yet normalised."""
    return _extract_paragraphs(_prepare(element, drop_xpaths))


def _extract_paragraphs(tree: HtmlElement) -> list[str]:
    document = trafilatura.bare_extraction(tree, options=_OPTIONS)
    body = getattr(document, "body", None)
    if body is None:
        return []
    return [p.replace(_ZWNJ_PLACEHOLDER, ZWNJ) for p in _paragraphs(body)]


def _prepare(
    element: etree._Element,
    drop_xpaths: Iterable[etree.XPath],
    foreign_link: Callable[[str], bool] | None = None,
) -> HtmlElement:
    """A copy of ``element`` inside ``<html><body>``, cleaned for trafilatura (of
    ``HtmlElement``s, which it wants: a page's own elements are not)."""
    root = new_element("html")
    if element.tag == "html":
        root.extend(copy.deepcopy(element)[:])
    else:
        body = new_element("body")
        body.append(copy.deepcopy(element))
        root.append(body)
    # lxml parses control characters in HTML text (Word's \x0b, a stray \x1b) but refuses to
    # set text holding them, which moving a tail below does: they become spaces first.
    for node in root.iter():
        if node.text and _XML_INCOMPATIBLE.search(node.text):
            node.text = _XML_INCOMPATIBLE.sub(" ", node.text)
        if node.tail and _XML_INCOMPATIBLE.search(node.tail):
            node.tail = _XML_INCOMPATIBLE.sub(" ", node.tail)
    # The container itself (not the <body> made around it): a short container is no caption.
    # Before the boxes are dropped: a "read more" heading takes the links after it along.
    body = root.find("body")
    container = body[0] if element.tag != "html" and len(body) else body
    clean_body(container, LINK_BOX_HEADINGS, foreign_link)
    for xpath in drop_xpaths:
        for node in xpath(root):
            remove_keeping_tail(node)
    for node in root.iter(*_ALWAYS_DROPPED):
        remove_keeping_tail(node)
    for node in root.iter(*_HEADINGS):
        node.tag = "p"
    for node in root.iter():
        if node.text and ZWNJ in node.text:
            node.text = node.text.replace(ZWNJ, _ZWNJ_PLACEHOLDER)
        if node.tail and ZWNJ in node.tail:
            node.tail = node.tail.replace(ZWNJ, _ZWNJ_PLACEHOLDER)
    return root


def _paragraphs(body: etree._Element) -> Iterator[str]:
    """Walk trafilatura's XML body: one entry per paragraph, heading, list item, table row,
    and per line inside a paragraph broken by ``<lb/>``."""
    for block in body:
        tag = block.tag
        if tag == "list":
            for item in block.iter("item"):
                yield from _lines(item)
        elif tag == "table":
            for row in block.iter("row"):
                cells = (" ".join(_lines(cell)) for cell in row.iter("cell"))
                line = TABLE_CELL_SEPARATOR.join(c for c in cells if c.strip())
                if line.strip():
                    yield line
        elif tag in ("div", "quote") and len(block) and block[0].tag in ("p", "list", "table"):
            yield from _paragraphs(block)
        else:
            yield from _lines(block)


def _lines(element: etree._Element) -> Iterator[str]:
    for lb in element.iter("lb"):
        lb.text = "\n"
    # A container of loose <br>-separated text keeps its <table> as raw HTML inside one
    # paragraph: one line per row there too, cells joined as in a converted table.
    for row in element.iter("tr"):
        cells = ("".join(cell.itertext()).strip() for cell in row.iter("td", "th"))
        line = TABLE_CELL_SEPARATOR.join(c for c in cells if c)
        row.clear(keep_tail=True)
        row.text = f"\n{line}\n"
    for line in "".join(element.itertext()).split("\n"):
        if line.strip():
            yield line
