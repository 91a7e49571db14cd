"""Realistic markup variants of a saved article page, for tests of the parser's robustness.

Each mutation takes a page's HTML and returns the same article in markup a real site might
serve instead: the kind of change a redesign, a CMS update or another view of the page makes.
The article itself (its title, text, images, date instant) is never changed, so the variant
must give the same item as the original; ``expected_for`` gives the few fields a mutation
legitimately changes (a removed visible date has no ``published_text``).

    from markup_mutations import MUTATIONS, expected_for, variants
    for name, html in variants(page_html):
        ...parse html, compare with expected_for(name, expected)

The pages are transformed with lxml, never by regular expressions on the HTML. A mutation is
deterministic: its random choices are seeded by the page and the mutation's name. A mutation
that finds nothing to change on a page (no ``<figcaption>`` to turn into a ``<span>``, no
visible date to remove) raises ``MutationNotApplicable``; ``variants`` leaves it out.

How the article block is found (``article_block``): the body container is the element with the
most paragraph text of its own (``<p>``, headings, text-only ``<div>``s and bare text, link-heavy
children not counted); the title is the element showing the page's ``og:title`` (or the first
``<h1>``); the block is their lowest common ancestor (or, when that is the page body itself, the
body container's parent). Only the block and its ancestors are restructured.

Inline styles: Borna's and Kayhan's article block is ``div[style='direction: rtl;']``
(OUTLETS.md), a style that identifies the block rather than decorating it. ``styles_removed``
therefore drops every ``style`` attribute but keeps a ``direction`` declaration where there is
one (as ``style="direction: rtl;"``): presentational styles go, the marker stays. The ``amp``
mutation removes every style attribute, the marker too, as a real AMP view does (AMP allows no
inline styles); a parser must then recognise the block by its parts.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import jdatetime
import lxml.html
from lxml import etree

__all__ = [
    "MUTATIONS",
    "MutationNotApplicable",
    "article_block",
    "body_container",
    "expected_for",
    "json_ld_published",
    "roundtrip",
    "variants",
    "visible_date_nodes",
]


class MutationNotApplicable(ValueError):
    """The page has nothing this mutation changes."""


# --- parsing, serialising, seeding -----------------------------------------------------------
def _parse(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


def _serialise(root: lxml.html.HtmlElement) -> str:
    doctype = root.getroottree().docinfo.doctype or "<!DOCTYPE html>"
    return etree.tostring(root.getroottree(), method="html", encoding="unicode", doctype=doctype)


def roundtrip(html: str) -> str:
    """The page parsed and serialised again, unchanged otherwise: what a variant is compared
    with to see that its mutation did something."""
    return _serialise(_parse(html))


def _rng(html: str, name: str) -> random.Random:
    seed = hashlib.sha256(f"{name}\0{html}".encode()).digest()[:8]
    return random.Random(int.from_bytes(seed, "big"))


_NOT_TEXT = frozenset({"script", "style", "noscript", "template", "svg"})


def _visible_text(element: lxml.html.HtmlElement) -> str:
    """Text a reader sees in ``element``: no script, style or comment text."""
    parts: list[str] = []

    def walk(node: lxml.html.HtmlElement) -> None:
        if not isinstance(node.tag, str) or node.tag in _NOT_TEXT:
            return
        parts.append(node.text or "")
        for child in node:
            walk(child)
            parts.append(child.tail or "")

    walk(element)
    return " ".join("".join(parts).split())


def _link_share(element: lxml.html.HtmlElement) -> float:
    text = len(_visible_text(element)) or 1
    linked = sum(len(_visible_text(a)) for a in element.iter("a"))
    return linked / text


# --- finding the article ---------------------------------------------------------------------
_PARAGRAPH_CHILDREN = frozenset({"p", "h2", "h3", "h4", "blockquote", "li"})
_INLINE = frozenset({"a", "b", "strong", "em", "i", "span", "br", "img", "font", "u", "sup", "sub"})
_CONTAINERS = frozenset({"div", "section", "article", "td", "main", "span"})


def _own_paragraph_text(element: lxml.html.HtmlElement) -> int:
    """How much paragraph text ``element`` holds itself (not in nested containers)."""
    total = len((element.text or "").strip())
    for child in element:
        if not isinstance(child.tag, str):
            total += len((child.tail or "").strip())
            continue
        total += len((child.tail or "").strip())
        # A <div> of inline content is a paragraph; one holding <br>-separated runs is a
        # container of its own (counted there, not here).
        text_only_div = (
            child.tag == "div"
            and all(isinstance(c.tag, str) and c.tag in _INLINE for c in child)
            and child.find("br") is None
        )
        paragraph = (child.tag in _PARAGRAPH_CHILDREN or text_only_div) and _link_share(child) < 0.5
        inline_text = child.tag in _INLINE and child.tag not in ("a", "img")
        if paragraph or inline_text:
            total += len(_visible_text(child))
    return total


def body_container(root: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The element holding most of the article's paragraphs."""
    best, best_score = root.find("body"), -1
    for element in best.iter():
        if not isinstance(element.tag, str) or element.tag not in _CONTAINERS:
            continue
        score = _own_paragraph_text(element)
        # On a tie the inner element: a wrapper holding only the container scores the same.
        if score > best_score or (score == best_score and best in element.iterancestors()):
            best, best_score = element, score
    return best


def _title_element(root: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    og = root.xpath("//meta[@property='og:title']/@content")
    wanted = " ".join(og[0].split()) if og else None
    if wanted:
        for element in root.find("body").iter("h1", "h2", "h3", "div", "td", "span"):
            if " ".join(element.text_content().split()) == wanted:
                return element
    headings = root.xpath("//body//h1")
    return headings[0] if headings else None


def article_block(root: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The element holding the article: title and body container together."""
    container = body_container(root)
    title = _title_element(root)
    if title is not None:
        title_line = set(title.iterancestors())
        for ancestor in container.iterancestors():
            if ancestor in title_line:
                if ancestor.tag not in ("body", "html"):
                    return ancestor
                break
    return container.getparent()


def _wrappers(block: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """The block's ancestors below <body>, nearest first."""
    return [a for a in block.iterancestors() if a.tag not in ("body", "html")]


# --- the mutations ---------------------------------------------------------------------------
def wrappers_removed(html: str) -> str:
    """One or two of the block's wrapper elements gone (their children take their place)."""
    root = _parse(html)
    wrappers = [w for w in _wrappers(article_block(root)) if w.tag in ("div", "section", "main")]
    if not wrappers:
        raise MutationNotApplicable("the article block has no wrapper element")
    count = _rng(html, "wrappers_removed").choice((1, 2)) if len(wrappers) > 1 else 1
    for wrapper in wrappers[:count]:
        wrapper.drop_tag()
    return _serialise(root)


_EXTRA_CLASSES = (
    "clearfix",
    "row",
    "col-12",
    "col-md-12",
    "container-fluid",
    "js-sticky",
    "news-v2",
)


def wrappers_added(html: str) -> str:
    """The block inside one or two new wrapper divs, and its title inside a new div."""
    root = _parse(html)
    rng = _rng(html, "wrappers_added")
    block = article_block(root)
    for depth in range(rng.choice((1, 2))):
        _wrap(block, f"{rng.choice(_EXTRA_CLASSES)} wrap-{depth}-{rng.randrange(1000)}")
    title = _title_element(root)
    if title is not None and title is not block:
        _wrap(title, f"title-holder {rng.choice(_EXTRA_CLASSES)}")
    return _serialise(root)


def _wrap(element: lxml.html.HtmlElement, classes: str) -> None:
    wrapper = lxml.html.Element("div", {"class": classes})
    element.addprevious(wrapper)
    wrapper.tail, element.tail = element.tail, None
    wrapper.append(element)


_SWAP = {
    "div": ("article", "section"),
    "article": ("div", "section"),
    "section": ("div", "article"),
}


def block_tag_swapped(html: str) -> str:
    """``div`` ↔ ``article`` ↔ ``section`` for the article block and its wrappers."""
    root = _parse(html)
    rng = _rng(html, "block_tag_swapped")
    block = article_block(root)
    if block.tag not in _SWAP:
        raise MutationNotApplicable(f"the article block is a <{block.tag}>")
    block.tag = rng.choice(_SWAP[block.tag])
    for wrapper in _wrappers(block):
        if wrapper.tag in _SWAP and rng.random() < 0.5:
            wrapper.tag = rng.choice(_SWAP[wrapper.tag])
    return _serialise(root)


def classes_shuffled(html: str) -> str:
    """Every class list in the block and its wrappers reordered, some extended by a token."""
    root = _parse(html)
    rng = _rng(html, "classes_shuffled")
    block = article_block(root)
    changed = 0
    for element in [*block.iter(), *_wrappers(block)]:
        if not isinstance(element.tag, str) or not element.get("class", "").split():
            continue
        tokens = element.get("class").split()
        if len(tokens) == 1 or rng.random() < 0.6:
            tokens.insert(rng.randrange(len(tokens) + 1), rng.choice(_EXTRA_CLASSES))
        rng.shuffle(tokens)
        element.set("class", " ".join(tokens))
        changed += 1
    if not changed:
        raise MutationNotApplicable("no class attribute in the article block")
    return _serialise(root)


_DIRECTION = re.compile(r"(?:^|;)\s*direction\s*:\s*(rtl|ltr)\s*(?:;|$)", re.I)


def styles_removed(html: str) -> str:
    """Every inline style gone, but a ``direction`` declaration (a block marker) kept."""
    root = _parse(html)
    changed = 0
    for element in root.xpath("//*[@style]"):
        style = element.get("style")
        direction = _DIRECTION.search(style)
        if not direction:
            del element.attrib["style"]
            changed += 1
        elif style != (marker := f"direction: {direction.group(1).lower()};"):
            element.set("style", marker)
            changed += 1
    if not changed:
        raise MutationNotApplicable("no inline style but the direction marker")
    return _serialise(root)


_AMP_BOILERPLATE = (
    "body{-webkit-animation:-amp-start 8s steps(1,end) 0s 1 normal both;"
    "animation:-amp-start 8s steps(1,end) 0s 1 normal both}"
    "@keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}"
)


def amp(html: str) -> str:
    """The page's AMP view: ``<html ⚡>``, ``<amp-img>``, no inline styles, no scripts but
    JSON-LD and the AMP runtime, no external stylesheet; the page's CSS in ``style amp-custom``."""
    root = _parse(html)
    if "⚡" in root.attrib or "amp" in root.attrib:
        raise MutationNotApplicable("already an AMP page")
    attributes = dict(root.attrib)
    root.attrib.clear()
    root.set("⚡", "")  # first, as AMP pages write it
    for name, value in attributes.items():
        root.set(name, value)
    head = root.find("head")
    css = []
    for style in root.xpath("//style"):
        css.append(style.text or "")
        style.drop_tree()
    for element in root.xpath("//*[@style]"):
        del element.attrib["style"]
    for script in root.xpath("//script"):
        if (script.get("type") or "").lower() != "application/ld+json":
            script.drop_tree()
    for link in root.xpath("//link[@rel='stylesheet']"):
        link.drop_tree()
    for img in root.xpath("//img"):
        img.tag = "amp-img"
        if not img.get("src") and img.get("data-src"):
            img.set("src", img.get("data-src"))
        img.set("width", img.get("width") or "800")
        img.set("height", img.get("height") or "533")
        img.set("layout", "responsive")
    runtime = lxml.html.Element("script", {"async": "", "src": "https://cdn.ampproject.org/v0.js"})
    head.insert(1 if len(head) else 0, runtime)
    boilerplate = lxml.html.Element("style", {"amp-boilerplate": ""})
    boilerplate.text = _AMP_BOILERPLATE
    custom = lxml.html.Element("style", {"amp-custom": ""})
    custom.text = "\n".join(c.strip() for c in css if c.strip())
    head.extend([boilerplate, custom])
    return _serialise(root)


def captions_as_span(html: str) -> str:
    """Every ``<figure><img><figcaption>`` in the block as an image followed by its caption
    in a ``<span>`` (``<div><img><span>``) or in a ``<p><span>`` under a ``<p><img></p>``."""
    root = _parse(html)
    rng = _rng(html, "captions_as_span")
    block = article_block(root)
    figures = [f for f in block.iter("figure") if f.find(".//figcaption") is not None]
    if not figures:
        raise MutationNotApplicable("no <figcaption> in the article block")
    for figure in figures:
        caption = figure.find(".//figcaption")
        caption.tag = "span"
        caption.attrib.clear()
        if rng.random() < 0.5:
            figure.tag = "div"
            figure.set("class", "image-with-caption")
            figure.append(caption)  # last: under the image
        else:
            figure.tag = "p"
            figure.attrib.clear()
            caption.drop_tree()
            under = lxml.html.Element("p", {"class": "image-caption"})
            under.append(caption)
            caption.tail = None
            figure.addnext(under)
            under.tail, figure.tail = figure.tail, None
    return _serialise(root)


# Shown dates: "۱۴۰۳/۰۱/۱۱ - ۱۱:۰۰:۰۱" or "۰۷ اسفند ۱۴۰۱ - ۲۲:۱۵" (the time may be missing),
# in Persian or Latin digits, maybe after a weekday and a label.
# The Jalali months, in order.
_MONTHS = tuple(
    "فروردین اردیبهشت خرداد تیر مرداد شهریور مهر آبان آذر دی بهمن اسفند".split()  # noqa: SIM905
)
_D = r"[0-9۰-۹]"
_SHOWN_DATE = re.compile(
    rf"(?P<y>{_D}{{4}})/(?P<m>{_D}{{1,2}})/(?P<d>{_D}{{1,2}})"
    rf"|(?P<d2>{_D}{{1,2}})\s+(?P<month>{'|'.join(_MONTHS)})\s+(?P<y2>{_D}{{4}})"
)
_TIME = re.compile(rf"^\s*-?\s*(?P<h>{_D}{{1,2}}):(?P<mi>{_D}{{2}})(?::(?P<s>{_D}{{2}}))?")
_TEHRAN = ZoneInfo("Asia/Tehran")


def _digits(text: str) -> int:
    return int(text.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")))


def visible_date_nodes(root: lxml.html.HtmlElement) -> list[tuple[lxml.html.HtmlElement, bool]]:
    """Where the block shows its publication date: (element, is_tail) of each text node, in
    page order, whose text is a Jalali date, outside the body container (dates in the text
    are the article's own)."""
    found = []
    container = body_container(root)
    for element in article_block(root).iter():
        if not isinstance(element.tag, str) or element.tag in _NOT_TEXT:
            continue
        if element is container or container in element.iterancestors():
            continue
        for is_tail, text in ((False, element.text), (True, element.tail)):
            if text and _SHOWN_DATE.search(text):
                found.append((element, is_tail))
    return found


def _instant_shown(text: str) -> datetime | None:
    """The instant of a shown Jalali Tehran date (None without a time)."""
    date = _SHOWN_DATE.search(text)
    time = _TIME.match(text[date.end() :])
    if not time:
        return None
    if date["y"]:
        y, m, d = _digits(date["y"]), _digits(date["m"]), _digits(date["d"])
    else:
        y, m, d = _digits(date["y2"]), _MONTHS.index(date["month"]) + 1, _digits(date["d2"])
    second = _digits(time["s"]) if time["s"] else 0
    gregorian = jdatetime.datetime(y, m, d, _digits(time["h"]), _digits(time["mi"]), second)
    return gregorian.togregorian().replace(tzinfo=_TEHRAN)


def _json_ld_objects(root: lxml.html.HtmlElement) -> Iterator[tuple[lxml.html.HtmlElement, dict]]:
    for script in root.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict):
                yield script, item


def json_ld_published(root: lxml.html.HtmlElement) -> str | None:
    """The ``datePublished`` of the page's JSON-LD, if any."""
    for _, item in _json_ld_objects(root):
        if item.get("datePublished"):
            return item["datePublished"]
    return None


def date_in_json_ld_only(html: str) -> str:
    """The visible date gone (and ``article:published_time``, ``<time datetime>``); the
    instant kept in JSON-LD ``datePublished`` (added when the page had none)."""
    root = _parse(html)
    shown = visible_date_nodes(root)
    if not shown:
        raise MutationNotApplicable("no visible date in the article block")
    element, is_tail = shown[0]
    text = element.tail if is_tail else element.text
    meta = root.xpath("//meta[@property='article:published_time']/@content")
    instant = json_ld_published(root) or (meta[0] if meta else None)
    if instant is None:
        parsed = _instant_shown(text)
        if parsed is None:
            raise MutationNotApplicable("the shown date has no time and there is no other")
        instant = parsed.isoformat()
    # Every place the block shows that same date (some themes show it twice).
    first = " ".join(text.split())
    for node, node_is_tail in shown:
        node_text = node.tail if node_is_tail else node.text
        if " ".join(node_text.split()) == first:
            _remove_shown_date(node, node_is_tail)
    for node in root.xpath("//meta[@property='article:published_time'] | //time[@datetime]"):
        if node.tag == "meta":
            node.drop_tree()
        else:
            del node.attrib["datetime"]
    if json_ld_published(root) is None:
        script = lxml.html.Element("script", {"type": "application/ld+json"})
        script.text = json.dumps(
            {"@context": "https://schema.org", "@type": "NewsArticle", "datePublished": instant},
            ensure_ascii=False,
        )
        root.find("head").append(script)
    return _serialise(root)


def _remove_shown_date(element: lxml.html.HtmlElement, is_tail: bool) -> None:
    """The date's text gone; its element too when nothing but a label is left in it."""
    holder = element.getparent() if is_tail else element
    if is_tail:
        element.tail = None
    else:
        element.text = None
    if holder is None or holder.tag in ("body", "html") or holder.getparent() is None:
        return
    rest = _visible_text(holder)
    if not rest or (rest.endswith((":", "：")) and len(rest) <= 30):
        holder.drop_tree()


MUTATIONS: dict[str, Callable[[str], str]] = {
    "wrappers_removed": wrappers_removed,
    "wrappers_added": wrappers_added,
    "block_tag_swapped": block_tag_swapped,
    "classes_shuffled": classes_shuffled,
    "styles_removed": styles_removed,
    "amp": amp,
    "captions_as_span": captions_as_span,
    "date_in_json_ld_only": date_in_json_ld_only,
}


def variants(html: str) -> Iterator[tuple[str, str]]:
    """(mutation name, variant) for every mutation that applies to the page."""
    for name, mutate in MUTATIONS.items():
        try:
            yield name, mutate(html)
        except MutationNotApplicable:
            continue


def expected_for(mutation: str, expected: dict) -> dict:
    """The expected item of the page's variant: the original's, but for what the mutation
    legitimately changes. A removed visible date leaves no ``published_text``; the instant
    ``published`` stays the same."""
    if mutation not in MUTATIONS:
        raise KeyError(f"unknown mutation {mutation!r}; known: {', '.join(MUTATIONS)}")
    result = copy.deepcopy(expected)
    if mutation == "date_in_json_ld_only":
        result["published_text"] = None
        # Dated now by the page's JSON-LD (or its article:published_time meta, when it has
        # one): the instant matters, not which machine-readable form gave it.
        result["published_source"] = {"json-ld", "article:published_time", "datePublished"}
    return result
