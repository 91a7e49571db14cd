"""Selectors of the layouts evaluated on a page, fast.

Our selector syntax: XPath when it starts with "/" or "(", otherwise CSS with parsel's
``::text`` and ``::attr(name)``. A CSS class selector translates to an XPath predicate that
libxml2 evaluates on every element of the document (~0.2 µs each): with ~1,000 elements and
~15 selectors a page that was 2-5 ms a page, more than trafilatura on the article. So a page
indexes its elements by class token once (one XPath pass), and a selector that starts with a
class (``.body_news``, ``.news_path a``) is evaluated from the elements holding that class
(``self::…`` on each, then down its subtree) instead of from the root. Results are the same
nodes in the same (document) order as parsel's ``Selector.css``; whenever that could differ
(nested anchors, two comma-separated alternatives that both match, sibling combinators) the
selector is evaluated from the root as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import cssselect
from cssselect.parser import Class, CombinedSelector, Element
from lxml import etree
from parsel.csstranslator import HTMLTranslator

# An element, or a string (a text node or an attribute value, from ``::text``/``::attr()``).
Node = etree._Element | str

_CSS = HTMLTranslator()
# parsel registers these for its XPath selectors; ours may use them too.
_NAMESPACES = {"re": "http://exslt.org/regular-expressions", "set": "http://exslt.org/sets"}
_CLASSED = etree.XPath("//*[@class]")
_TEXT_NODES = etree.XPath(".//text()[not(ancestor::script or ancestor::style)]")


def is_xpath(selector: str) -> bool:
    """Our selector syntax: XPath if it starts with "/" or "(", otherwise CSS."""
    return selector.startswith(("/", "("))


def xpath_of(selector: str) -> str:
    """The XPath (from the document root) of a selector of our syntax."""
    return selector if is_xpath(selector) else _CSS.css_to_xpath(selector)


def _xpath(expression: str) -> Callable[[etree._Element], list | object]:
    """An XPath evaluator. Not a compiled ``etree.XPath``: evaluated on one document after
    another, those kept a result string of every call alive (RSS grew ~2 KB a page over a
    50,000-page replay); ``element.xpath`` (parsel's way) does not. The syntax is checked now."""
    etree.XPath(expression, namespaces=_NAMESPACES)  # raises on invalid syntax

    def evaluate(context: etree._Element) -> list | object:
        return context.xpath(expression, namespaces=_NAMESPACES, smart_strings=False)

    return evaluate


@dataclass(frozen=True, slots=True)
class _AnchoredGroup:
    """One comma-separated alternative of a CSS selector that starts with a class."""

    anchor_class: str  # every element it selects is, or is inside, an element of this class
    # The alternative, evaluated with an anchor element as context.
    from_anchor: Callable[[etree._Element], list]


@dataclass(frozen=True, slots=True)
class CompiledSelector:
    from_root: Callable[[etree._Element], list | object]
    # None: evaluate from the root (XPath, or an alternative not led by a class).
    groups: tuple[_AnchoredGroup, ...] | None


def _anchor_class(tree: object) -> str | None:
    """The class that leads a parsed CSS alternative, if evaluating it from the elements of
    that class gives exactly its result: only descendant and child combinators (whose
    matches stay inside the anchor), and a first compound with no tag name (with a tag,
    libxml2's node test is already fast)."""
    while isinstance(tree, CombinedSelector):
        if tree.combinator not in (" ", ">"):
            return None
        tree = tree.selector
    classes: list[str] = []
    while not isinstance(tree, Element):
        if isinstance(tree, Class):
            classes.append(tree.class_name)
        tree = getattr(tree, "selector", None)
        if tree is None:  # a compound cssselect shapes otherwise: no shortcut
            return None
    if tree.element not in (None, "*") or not classes:
        return None
    # Indexed under str.split() tokens: only a class without whitespace of any kind is
    # certain to be found there under its own name.
    anchor = classes[-1]
    return anchor if anchor and not any(c.isspace() for c in anchor) else None


@lru_cache(maxsize=4096)
def compile_selector(selector: str) -> CompiledSelector:
    """Translate and compile a selector of our syntax once (raises on invalid syntax)."""
    from_root = _xpath(xpath_of(selector))
    if is_xpath(selector):
        return CompiledSelector(from_root, None)
    groups = []
    for parsed in cssselect.parse(selector):
        anchor = _anchor_class(parsed.parsed_tree)
        if anchor is None:
            return CompiledSelector(from_root, None)
        relative = _CSS.selector_to_xpath(parsed, prefix="self::", translate_pseudo_elements=True)
        groups.append(_AnchoredGroup(anchor, _xpath(relative)))
    return CompiledSelector(from_root, tuple(groups))


class Page:
    """A parsed page (its root element) and the selectors of our syntax evaluated on it."""

    __slots__ = ("_by_class", "root")

    def __init__(self, root: etree._Element):
        self.root = root
        self._by_class: dict[str, list[etree._Element]] | None = None

    def select(self, selector: str) -> list[Node]:
        """The nodes ``selector`` matches, in document order (as parsel's ``css``/``xpath``)."""
        compiled = compile_selector(selector)
        if compiled.groups is None:
            return self._from_root(compiled)
        found: list[Node] | None = None
        for group in compiled.groups:
            nodes = self._from_anchors(group)
            if nodes is None:
                return self._from_root(compiled)
            if nodes:
                if found:  # the union of two alternatives, in document order: libxml2's
                    return self._from_root(compiled)
                found = nodes
        return found or []

    def exists(self, selector: str) -> bool:
        """Whether ``selector`` matches anything (stops at the first alternative that does)."""
        compiled = compile_selector(selector)
        if compiled.groups is None:
            return bool(self._from_root(compiled))
        for group in compiled.groups:
            nodes = self._from_anchors(group)
            if nodes is None:
                return bool(self._from_root(compiled))
            if nodes:
                return True
        return False

    def _from_root(self, compiled: CompiledSelector) -> list[Node]:
        result = compiled.from_root(self.root)
        return result if isinstance(result, list) else [result]

    def _from_anchors(self, group: _AnchoredGroup) -> list[Node] | None:
        """The group's nodes, evaluated from its anchors; None when the anchors nest (a node
        inside two anchors would come twice, out of document order)."""
        anchors = self._classes().get(group.anchor_class)
        if not anchors:
            return []
        if len(anchors) > 1:
            anchor_set = set(anchors)
            for anchor in anchors:
                if any(parent in anchor_set for parent in anchor.iterancestors()):
                    return None
        nodes: list[Node] = []
        for anchor in anchors:
            nodes.extend(group.from_anchor(anchor))
        return nodes

    def _classes(self) -> dict[str, list[etree._Element]]:
        """Elements by class token, in document order: built on first use, one XPath pass."""
        if self._by_class is None:
            by_class: dict[str, list[etree._Element]] = {}
            for element in _CLASSED(self.root):
                for token in element.get("class").split():
                    elements = by_class.get(token)
                    if elements is None:
                        by_class[token] = [element]
                    elif elements[-1] is not element:  # class="a a"
                        elements.append(element)
            self._by_class = by_class
        return self._by_class


def node_text(node: Node) -> str:
    """The text of a selected element, attribute or text node."""
    if isinstance(node, str):
        return node
    # Inline markup splits words ("می<b>‌</b>کند"): concatenate as a browser renders it.
    return "".join(_TEXT_NODES(node))


@lru_cache(maxsize=4096)
def _scoped_xpath(selector: str) -> str:
    # CSS translates to "descendant-or-self::…" (relative already); an XPath of ours starts
    # at the document root ("//…"), made relative to the context here.
    return "." + selector if is_xpath(selector) and selector.startswith("/") else xpath_of(selector)


def select_in(element: etree._Element, selector: str) -> list[Node]:
    """The nodes ``selector`` matches inside ``element`` (itself included), document order.
    Strings keep their parent element (``getparent()``): where a text came from matters
    to the article parser (inside a teaser box or not)."""
    result = element.xpath(_scoped_xpath(selector), namespaces=_NAMESPACES, smart_strings=True)
    return result if isinstance(result, list) else [result]
