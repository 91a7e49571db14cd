"""Selectors of the layouts evaluated on a page, fast.

Our selector syntax: XPath when it starts with "/" or "(", otherwise CSS with parsel's
``::text`` and ``::attr(name)``. Evaluated from the root, every selector is one walk of the
whole tree by libxml2 (~0.2-0.3 ms on a page of 1,500 elements and 4,000 nodes, whatever it
looks for), and a page's parse runs ~20 of them. So a page indexes, once, the elements of
the classes, tags and attributes that compiled selectors start with, and a CSS selector
whose alternatives each start with one of them (``h1.title``, ``.news_path a``,
``link[rel='canonical']::attr(href)``) is evaluated from those elements: one XPath over
them, passed in as node-set variables (``$a0/self::h1[...] | $a1/self::*[...]/a``). Union
and node-sets keep libxml2's own semantics: the same nodes, deduplicated, in document
order, as parsel's ``Selector.css``. A selector whose alternative starts otherwise (``*``,
XPath) is evaluated from the root as before, and so is one whose anchors are too many for
the shortcut to pay.

What a page indexes is what the selectors run on pages of its kind (its outlet's) were
anchored on, learnt as they run (``AnchorSet``): a page of one outlet does not pay for the
classes of the other three in a ``crawlall`` process (Kayhan's index cost 1.5 times as much
with all four outlets' 49 classes as with its own 23).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import cssselect
from cssselect.parser import Attrib, Class, CombinedSelector, Element
from lxml import etree
from parsel.csstranslator import HTMLTranslator

from newscrawl.tree import inside

# An element, or a string (a text node or an attribute value, from ``::text``/``::attr()``).
Node = etree._Element | str

_CSS = HTMLTranslator()
# parsel registers these for its XPath selectors; ours may use them too.
_NAMESPACES = {"re": "http://exslt.org/regular-expressions", "set": "http://exslt.org/sets"}
_TEXT_NODES = etree.XPath(".//text()[not(ancestor::script or ancestor::style)]")
# More anchors than this and libxml2's sort of the result (its node comparisons climb the
# tree) costs what the walk it saves would.
_MAX_ANCHORS = 64
# Tags and attributes too common on a page to anchor on: indexing them costs more than the
# walks their lists would save (lists over _MAX_ANCHORS are not used).
_NOT_ANCHORS = frozenset(
    {"a", "div", "span", "p", "li", "ul", "img", "br", "td", "tr", "i", "b", "strong", "svg"}
    | {"class", "style", "href", "src", "alt", "title", "width", "height", "target"}
)


def is_xpath(selector: str) -> bool:
    """Our selector syntax: XPath if it starts with "/" or "(", otherwise CSS."""
    return selector.startswith(("/", "("))


def xpath_of(selector: str) -> str:
    """The XPath (from the document root) of a selector of our syntax."""
    return selector if is_xpath(selector) else _CSS.css_to_xpath(selector)


def _xpath(expression: str) -> Callable[..., object]:
    """An XPath evaluator. Not a compiled ``etree.XPath``: evaluated on one document after
    another, those kept a result string of every call alive (RSS grew ~2 KB a page over a
    50,000-page replay); ``element.xpath`` (parsel's way) does not. The syntax is checked now."""
    etree.XPath(expression, namespaces=_NAMESPACES)  # raises on invalid syntax

    def evaluate(
        context: etree._Element, smart_strings: bool = False, **variables
    ) -> list | object:
        return context.xpath(
            expression, namespaces=_NAMESPACES, smart_strings=smart_strings, **variables
        )

    return evaluate


# What every element one alternative of a CSS selector selects is, or is inside: an element
# of this class, of this tag or with this attribute: ("class" | "tag" | "attribute", name).
_Anchor = tuple[str, str]


@dataclass(frozen=True, slots=True)
class CompiledSelector:
    from_root: Callable[..., object]
    # None: evaluate from the root (XPath, or an alternative led by no class, tag or attribute).
    anchors: tuple[_Anchor, ...] | None
    # The alternatives, each from its anchors ($a0, $a1...), as one union.
    from_anchors: Callable[..., object] | None


def _anchor(tree: object) -> _Anchor | None:
    """What leads a parsed CSS alternative, if evaluating it from the elements of that tag,
    class or attribute gives exactly its result: only descendant and child combinators
    (whose matches stay inside the anchor)."""
    while isinstance(tree, CombinedSelector):
        if tree.combinator not in (" ", ">"):
            return None
        tree = tree.selector
    classes: list[str] = []
    attributes: list[str] = []
    while not isinstance(tree, Element):
        if isinstance(tree, Class):
            classes.append(tree.class_name)
        elif isinstance(tree, Attrib) and tree.namespace is None and tree.operator != "!=":
            attributes.append(tree.attrib.lower())  # (``[a!=b]`` also matches without ``a``)
        tree = getattr(tree, "selector", None)
        if tree is None:  # a compound cssselect shapes otherwise: no shortcut
            return None
    # Indexed under str.split() tokens: only a class without whitespace of any kind is
    # certain to be found there under its own name. A class is the first choice (the
    # rarest), then the tag, then an attribute: only one is indexed for it.
    class_name = next((c for c in classes if c and not any(x.isspace() for x in c)), None)
    if class_name is not None:
        return ("class", class_name)
    if tree.element not in (None, "*"):
        tag = tree.element.lower()
        return ("tag", tag) if tag not in _NOT_ANCHORS else None
    attribute = next((a for a in attributes if a not in _NOT_ANCHORS), None)
    return ("attribute", attribute) if attribute is not None else None


@lru_cache(maxsize=4096)
def compile_selector(selector: str) -> CompiledSelector:
    """Translate and compile a selector of our syntax once (raises on invalid syntax)."""
    from_root = _xpath(xpath_of(selector))
    if is_xpath(selector):
        return CompiledSelector(from_root, None, None)
    anchors, relatives = [], []
    for number, parsed in enumerate(cssselect.parse(selector)):
        anchor = _anchor(parsed.parsed_tree)
        if anchor is None:
            return CompiledSelector(from_root, None, None)
        relative = _CSS.selector_to_xpath(parsed, prefix="self::", translate_pseudo_elements=True)
        anchors.append(anchor)
        relatives.append(f"$a{number}/{relative}")
    return CompiledSelector(from_root, tuple(anchors), _xpath(" | ".join(relatives)))


class AnchorSet:
    """The classes, tags and attributes selectors run on a kind of page were anchored on:
    what the next such page indexes, and no more. An anchor is learnt the first time a page
    meets it (that page evaluates its selector from the root)."""

    __slots__ = ("attributes", "classes", "tags")

    def __init__(self) -> None:
        self.classes: set[str] = set()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()

    def learn(self, anchor: _Anchor) -> None:
        kind, name = anchor
        {"class": self.classes, "tag": self.tags, "attribute": self.attributes}[kind].add(name)


# Kind of page (an outlet's name) -> its anchors, one set a kind in a process.
_ANCHOR_SETS: defaultdict[str, AnchorSet] = defaultdict(AnchorSet)


class Page:
    """A parsed page (its root element) and the selectors of our syntax evaluated on it;
    ``kind`` names the pages whose anchors it indexes (see ``AnchorSet``)."""

    __slots__ = ("_anchor_set", "_index", "root")

    def __init__(self, root: etree._Element, kind: str = ""):
        self.root = root
        self._anchor_set = _ANCHOR_SETS[kind]
        # Anchor -> its elements in document order, built on first use. An anchor absent
        # was not indexed (evaluate from the root).
        self._index: dict[_Anchor, list[etree._Element]] | None = None

    def select(self, selector: str) -> list[Node]:
        """The nodes ``selector`` matches, in document order (as parsel's ``css``/``xpath``)."""
        compiled = compile_selector(selector)
        anchors = self._anchors(compiled)
        if anchors is None:
            result = compiled.from_root(self.root)
            return result if isinstance(result, list) else [result]
        return self._from_anchors(compiled, anchors, smart_strings=False)

    def exists(self, selector: str) -> bool:
        """Whether ``selector`` matches anything."""
        return bool(self.select(selector))

    def select_in(self, element: etree._Element, selector: str) -> list[Node]:
        """``select_in(element, selector)``, from the page's index where it pays (for an
        element of this page's tree: the structural fallback's block is in a copy)."""
        compiled = compile_selector(selector)
        anchors = None
        if element.getroottree().getroot() is self.root:
            anchors = self._anchors(compiled)
        if anchors is None:
            return select_in(element, selector)
        inside_element = {
            name: [e for e in elements if inside(e, element)] for name, elements in anchors.items()
        }
        return self._from_anchors(compiled, inside_element, smart_strings=True)

    def _from_anchors(
        self, compiled: CompiledSelector, anchors: dict[str, list], smart_strings: bool
    ) -> list[Node]:
        if not any(anchors.values()):
            return []
        return compiled.from_anchors(self.root, smart_strings=smart_strings, **anchors)

    def _anchors(self, compiled: CompiledSelector) -> dict[str, list[etree._Element]] | None:
        """The anchor elements of each alternative ($a0, $a1...), or None: from the root."""
        if compiled.anchors is None:
            return None
        if self._index is None:
            self._index = _index(self.root, self._anchor_set)
        found = {}
        for number, anchor in enumerate(compiled.anchors):
            elements = self._index.get(anchor)
            if elements is None:  # not indexed on this page: it will be on the next
                for unseen in compiled.anchors:
                    self._anchor_set.learn(unseen)
                return None
            if len(elements) > _MAX_ANCHORS:
                return None
            found[f"a{number}"] = elements
        return found


def _index(root: etree._Element, anchors: AnchorSet) -> dict[_Anchor, list[etree._Element]]:
    """The elements of every class, tag and attribute of ``anchors``, in document order.
    Only what selectors are anchored on: of a page's ~1,300 class attributes, a few dozen
    hold an anchor class (the old index of every token cost 1.5 times as much)."""
    classes = frozenset(anchors.classes)
    index: dict[_Anchor, list[etree._Element]] = {("class", c): [] for c in classes}
    tags, attributes = tuple(anchors.tags), tuple(anchors.attributes)
    index.update({("tag", t): [] for t in tags})
    index.update({("attribute", a): [] for a in attributes})
    if tags:  # filtered by libxml2: no proxy for an element of another tag
        for element in root.iter(*tags):
            index["tag", element.tag].append(element)
    # A loop over the elements beats XPath's "//@class" here: its strings that know their
    # element cost more than the elements themselves.
    for element in root.iter():
        for attribute in attributes:
            if element.get(attribute) is not None:
                index["attribute", attribute].append(element)
        value = element.get("class")
        if value and not classes.isdisjoint(tokens := value.split()):
            for token in classes.intersection(tokens):  # a set: class="a a" counts once
                index["class", token].append(element)
    return index


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
