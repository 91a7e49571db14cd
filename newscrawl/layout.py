"""Page layouts: the selectors that find an article's parts on one design of an outlet's
pages, declared in the outlet's spider, and the boxes no article text is ever in."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from lxml import etree

from newscrawl.selection import xpath_of

Selectors = tuple[str, ...]

# Boxes that are never article text, whatever the outlet: removed from the body container
# before extraction (an outlet adds its own in ``Layout.drop``). CSS, or XPath when it
# starts with "/" or "(".
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
    "[class*='jwplayer']",
    "[class*='hideTag']",
    "[class*='newsletter']",
    # "Read more" / "related news" boxes are recognised by their heading text (below).
)
# Headings of in-body link boxes. An element starting with one is dropped when it is short:
# a whole body that merely starts with such a box must not match.
LINK_BOX_HEADINGS = (
    "بیشتر بخوانید",
    "اخبار مرتبط",
    "مطالب مرتبط",
    "بخوانید:",
    "پیشنهاد ما",
    "این خبر بروز رسانی می",
    "این خبر به‌روزرسانی می",
)
_LINK_BOX_XPATH = (
    "//*[self::div or self::p or self::section or self::aside or self::ul or self::blockquote]"
    "[string-length(normalize-space(.)) < 600][{}]".format(
        " or ".join(f"starts-with(normalize-space(.), '{h}')" for h in LINK_BOX_HEADINGS)
    )
)
SHARED_BODY_DROP += (_LINK_BOX_XPATH,)


@dataclass(frozen=True)
class Layout:
    """Selectors of one page design of an outlet. Each field is a tuple of selectors tried
    in order (CSS with parsel's ``::text``/``::attr()``, or XPath); the first that matches
    wins. ``article`` detects the design: the layout applies when it matches the page."""

    name: str
    article: str
    title: Selectors
    body: Selectors
    uptitle: Selectors = ()
    lead: Selectors = ()
    date: Selectors = ()  # the date as shown
    published_time: Selectors = ()  # a machine-readable time (meta), preferred for `published`
    code: Selectors = ()
    category: Selectors = ()
    tags: Selectors = ()
    author: Selectors = ()
    lead_image: Selectors = ()  # the article's image outside the body (<img> or URL string)
    gallery: Selectors = ()  # <img>s of a photo-news gallery outside the body
    drop: Selectors = ()  # junk inside the body container, besides SHARED_BODY_DROP

    @cached_property
    def drop_xpaths(self) -> tuple[etree.XPath, ...]:
        return tuple(etree.XPath(xpath_of(s)) for s in (*SHARED_BODY_DROP, *self.drop))


# Metadata every news page carries, for pages that no layout of their outlet matches.
FALLBACK_LAYOUT = Layout(
    name="fallback",
    article="html",
    title=("meta[property='og:title']::attr(content)", "h1", "title"),
    body=("body",),
    lead=("meta[property='og:description']::attr(content)",),
    published_time=(
        "meta[property='article:published_time']::attr(content)",
        "meta[itemprop='datePublished']::attr(content)",
        "time::attr(datetime)",
    ),
    lead_image=("meta[property='og:image']::attr(content)",),
)
SHARED_FALLBACK_DROP = tuple(
    etree.XPath(xpath_of(s))
    for s in ("header", "footer", "nav", "aside", "[class*='menu']", *SHARED_BODY_DROP)
)
