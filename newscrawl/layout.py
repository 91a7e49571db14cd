"""Page layouts: the selectors that find an article's parts on one design of an outlet's
pages, declared in the outlet's spider (or once for a CMS family, in ``newscrawl/cms/``),
and the boxes no article text is ever in.

A layout names no wrapper the article must sit in. It is recognised by the parts every
article has: a body container (``body``) and a title (``title``); the article block is the
element that holds both (their nearest common ancestor, widened to the nearest element of
``block`` around it, e.g. ``<article>``), and every other field is looked up inside that
block only, never on the rest of the page (a related-news teaser has a lead too).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cached_property

import cssselect
from cssselect.parser import Attrib, Class, Element, Hash
from lxml import etree
from parsel.csstranslator import HTMLTranslator

from newscrawl.selection import is_xpath, xpath_of

_CSS = HTMLTranslator()

Selectors = tuple[str, ...]

# Forms an article block takes on any news site: widening the title/body ancestor to one of
# these brings in the date line and tags that sit beside the title box. An outlet adds its own.
ARTICLE_BLOCKS: Selectors = (
    "article",
    "[itemtype*='Article']",
    "#item",
)

# Boxes that are never article text, whatever the outlet: removed from the body container
# before extraction (an outlet adds its own in ``Layout.drop``). CSS, or XPath when it
# starts with "/" or "(". Class tests are substring tests on purpose: "related_news_box",
# "box-related" and "relatedNews" are all the same box.
SHARED_BODY_DROP: Selectors = (
    "[class*='related']",
    "[id*='related']",
    "[class*='share']",
    "[class*='social']",
    "[class*='advert']",
    "[class*='banner']",
    "[id*='banner']",
    "[class~='ads']",
    "[class*='ads-']",
    "[class*='ads_']",
    "[class~='ad']",
    "[class*='comment']",
    "[class*='newsletter']",
    # A caption box, not the image it may hold (captions by position: body_cleaning.py).
    "//*[contains(@class, 'caption')][not(.//img or .//amp-img)]",
)
# Headings of in-body link boxes ("read more", "related news"). A box starting with one is
# dropped when it is short; a heading standing alone takes the links after it along
# (newscrawl/body_cleaning.py).
LINK_BOX_HEADINGS: tuple[str, ...] = (
    "بیشتر بخوانید",
    "اخبار مرتبط",
    "مطالب مرتبط",
    "بخوانید:",
    "پیشنهاد ما",
    "پیشنهاد سردبیر",
)


def starts_with_any_xpath(phrases: tuple[str, ...], max_chars: int = 600) -> str:
    """XPath of the short blocks whose text starts with one of ``phrases``."""
    tests = " or ".join(f"starts-with(normalize-space(.), '{p}')" for p in phrases)
    return (
        "//*[self::div or self::p or self::section or self::aside or self::ul"
        f" or self::blockquote][string-length(normalize-space(.)) < {max_chars}][{tests}]"
    )


SHARED_BODY_DROP += (starts_with_any_xpath(LINK_BOX_HEADINGS),)


@dataclass(frozen=True)
class Layout:
    """Selectors of one page design of an outlet. Each field is a tuple of selectors tried
    in order (CSS with parsel's ``::text``/``::attr()``, or XPath); the first that matches
    inside the article block wins."""

    name: str
    title: Selectors
    body: Selectors
    # Elements an article block may be, besides ARTICLE_BLOCKS; none is required.
    block: Selectors = ()
    uptitle: Selectors = ()
    lead: Selectors = ()
    date: Selectors = ()  # the date as shown
    code: Selectors = ()
    category: Selectors = ()  # breadcrumb entries; looked up on the page if not in the block
    tags: Selectors = ()  # looked up on the page if not in the block
    author: Selectors = ()
    lead_image: Selectors = ()  # the article's image outside the body (<img> or URL string)
    gallery: Selectors = ()  # <img>s of a photo-news gallery outside the body
    drop: Selectors = ()  # junk inside the body container, besides SHARED_BODY_DROP

    def extend(self, **changes: Selectors | str) -> Layout:
        """This layout with some fields replaced; a field named ``more_<field>`` adds
        selectors after the inherited ones (a CMS family's layout, adapted by one outlet)."""
        for key in [k for k in changes if k.startswith("more_")]:
            name = key.removeprefix("more_")
            changes[name] = (*getattr(self, name), *changes.pop(key))
        return dataclasses.replace(self, **changes)

    @cached_property
    def block_test(self) -> str:
        """An XPath that is true on an element of one of the block forms (CSS of one compound
        each: a tag, classes, an id, attributes), tested on the ancestors of the title and
        body, innermost first."""
        tests = (_CSS.css_to_xpath(s, prefix="self::") for s in (*self.block, *ARTICLE_BLOCKS))
        return "boolean(" + " | ".join(tests) + ")"

    @cached_property
    def drop_xpaths(self) -> tuple[etree.XPath, ...]:
        return compile_drops((*SHARED_BODY_DROP, *self.drop))


def _attribute_test(selector: str) -> str | None:
    """The XPath predicate of a CSS selector that tests one element's attributes only (a
    class, an id, attribute tests: ``[class*='related']``, ``.jwplayer``, ``#ads``); None for
    any other selector (a tag, a combinator, a pseudo-class: what may look at other nodes)."""
    if is_xpath(selector):
        return None
    try:
        (parsed,) = cssselect.parse(selector)
    except (ValueError, cssselect.SelectorError):  # several alternatives, or invalid
        return None
    if parsed.pseudo_element is not None:
        return None
    tree = parsed.parsed_tree
    while isinstance(tree, (Class, Hash, Attrib)):
        tree = tree.selector
    if not isinstance(tree, Element) or tree.element not in (None, "*"):
        return None
    xpath = _CSS.selector_to_xpath(parsed)
    prefix = "descendant-or-self::*["
    return xpath[len(prefix) : -1] if xpath.startswith(prefix) and xpath.endswith("]") else None


def compile_drops(selectors: Selectors) -> tuple[etree.XPath, ...]:
    """The XPaths that find what ``selectors`` drop, applied in turn. Consecutive selectors
    that test an element's attributes only (most of them) are one XPath together: one walk of
    the container instead of one each (~0.15 ms a page), and the same nodes removed in the
    end, since their tests see nothing that removing another node changes."""
    compiled: list[etree.XPath] = []
    run: list[str] = []
    for selector in selectors:
        test = _attribute_test(selector)
        if test is not None:
            run.append(test)
            continue
        if run:
            compiled.append(_any_of(run))
            run = []
        compiled.append(etree.XPath(xpath_of(selector)))
    if run:
        compiled.append(_any_of(run))
    return tuple(compiled)


def _any_of(tests: list[str]) -> etree.XPath:
    return etree.XPath("descendant-or-self::*[" + " or ".join(f"({t})" for t in tests) + "]")
