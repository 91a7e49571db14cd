"""The article block of a page and lookups scoped to it.

Every field of an article is looked up inside its block (``ArticleScope``), never on the
rest of the page: a related-news teaser has a title, a lead, a date and an image too. Nodes
inside a teaser box within the block do not count, and a field that precedes the text
(uptitle, lead) must come before the body container.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from itertools import chain

from lxml import etree

from newscrawl.extraction import image_source
from newscrawl.layout import Selectors
from newscrawl.selection import Node, Page, node_text
from newscrawl.tree import class_and_id, inside, precedes

# Boxes inside an article block whose texts are not the article's fields (a teaser's lead,
# a related item's date), by class or id.
_TEASER_BOX_NAMES = (
    "related",
    "teaser",
    "most",
    "popular",
    "latest",
    "sidebar",
    "comment",
    "banner",
    "advert",
    "recommend",
    "suggest",
    "more_news",
    "more-news",
)
# One search of an element's class and id for any of them (it runs on every ancestor of
# every node a field selector finds).
_TEASER_BOX = re.compile("|".join(map(re.escape, _TEASER_BOX_NAMES)))


class ArticleScope:
    """Selectors evaluated inside the article block only; nodes in a teaser box within it,
    and (for fields that precede the text) nodes inside or after the body, do not count."""

    def __init__(self, block: etree._Element, container: etree._Element, page: Page):
        self.block = block
        self.container = container
        self.page = page  # the block's page, whose index finds what the selectors anchor on

    def nodes(self, selectors: Selectors, *, before_body: bool = False) -> list[Node]:
        for selector in selectors:
            found = [
                n
                for n in self.page.select_in(self.block, selector)
                if self._belongs(n, before_body)
            ]
            if found:
                return found
        return []

    def _belongs(self, node: Node, before_body: bool) -> bool:
        element = node if isinstance(node, etree._Element) else node.getparent()
        # In the body or a box: one walk up to the block (the container lies inside it).
        if element is None or in_box(element, self.block, or_in=self.container):
            return False
        if not node_text(node).strip():
            return False
        return not before_body or precedes(element, self.container)

    def first_text(self, selectors: Selectors, *, before_body: bool = False) -> str | None:
        """The text of the first matching element (or all matching text nodes, joined)."""
        nodes = self.nodes(selectors, before_body=before_body)
        if not nodes:
            return None
        picked = nodes if isinstance(nodes[0], str) else nodes[:1]
        return " ".join(node_text(n) for n in picked)

    def texts(self, selectors: Selectors) -> list[str]:
        return [str(node_text(n)) for n in self.nodes(selectors)]

    def image_sources(
        self, selectors: Selectors, *, first_selector_only: bool = False, before: bool = False
    ) -> list[str]:
        """Sources of the images ``selectors`` find (with ``before``, only those before the
        body container); an ``img`` selector finds the AMP view's ``amp-img`` too."""
        sources: list[str] = []
        for selector in with_amp_images(selectors):
            for node in self.page.select_in(self.block, selector):
                if isinstance(node, str):
                    sources.append(str(node))
                elif not in_box(node, self.block) and not (
                    before and (inside(node, self.container) or not precedes(node, self.container))
                ):
                    sources.append(image_source(node))
            if sources and first_selector_only:
                break
        return sources


# An image in the article's head, for a layout whose lead-image selectors find none.
HEAD_IMAGE: Selectors = ("figure img", "img")
_IMG_TAG = re.compile(r"(?<![\w.#\[=-])img(?![\w-])")


@functools.cache
def with_amp_images(selectors: Selectors) -> Selectors:
    """Each selector, followed by its AMP form when it names the ``img`` tag."""
    out: list[str] = []
    for selector in selectors:
        out.append(selector)
        amp = _IMG_TAG.sub("amp-img", selector)
        if amp != selector:
            out.append(amp)
    return tuple(out)


# A photo album beside the body (photo news): named so, or its images link to image files.
_ALBUM_NAMES = ("gallery", "album", "slide", "carousel", "image_set", "photo")
_IMAGE_FILE = re.compile(r"\.(?:jpe?g|png|webp|gif)(?:$|[?#])", re.IGNORECASE)


def album_images(scope: ArticleScope, foreign: Callable[[str], bool]) -> list[str]:
    """The images of an album in the article block after its body, for a layout whose
    gallery selectors find none: at least two, not in a teaser box, not linked away, each
    in an album-named element or linked to its full-size file (preferred to the thumbnail)."""
    found: list[str] = []
    for image in scope.block.iter("img", "amp-img"):
        if inside(image, scope.container) or not precedes(scope.container, image):
            continue
        if in_box(image, scope.block):
            continue
        link = next((a for a in image.iterancestors("a") if inside(a, scope.block)), None)
        href = (link.get("href") or "").strip() if link is not None else ""
        if href and foreign(href):
            continue
        in_album = any(
            name in class_and_id(a)
            for a in image.iterancestors()
            if inside(a, scope.block) and a is not scope.block
            for name in _ALBUM_NAMES
        )
        full_size = href if _IMAGE_FILE.search(href) else ""
        if in_album or full_size:
            found.append(full_size or image_source(image))
    return found if len(found) >= 2 else []


# What hides an element from a reader: a hidden mobile (or desktop) copy of the body.
_HIDING_CLASSES = frozenset(
    {"hidden", "d-none", "hide", "invisible", "visible-xs", "d-md-none", "d-lg-none"}
    | {"hidden-lg", "hidden-md", "mobile", "mobile-only", "show-mobile"}
)


def hidden(node: etree._Element) -> bool:
    """Whether ``node`` (or an ancestor) is hidden by its style or a hiding class token."""
    for element in (node, *node.iterancestors()):
        style = (element.get("style") or "").replace(" ", "").lower()
        if "display:none" in style or element.get("hidden") is not None:
            return True
        tokens = set((element.get("class") or "").lower().split())
        if tokens & _HIDING_CLASSES or any(t.endswith(("_mobile", "-mobile")) for t in tokens):
            return True
    return False


def in_box(
    node: etree._Element, block: etree._Element, *, or_in: etree._Element | None = None
) -> bool:
    """Whether ``node`` sits in a teaser box (related news...) inside ``block``, or, given
    ``or_in`` (an element inside ``block``), inside that."""
    for ancestor in chain((node,), node.iterancestors()):  # lazily: stops at the block
        if ancestor is or_in:
            return True
        if ancestor is block:
            return False
        if _TEASER_BOX.search(class_and_id(ancestor)):
            return True
    return False
