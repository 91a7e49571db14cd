"""Small operations on a parsed page's element tree, shared by the article parser, the body
cleaning and the structural fallback."""

from __future__ import annotations

from itertools import chain

from lxml import etree

from newscrawl.text import normalize_line


def class_and_id(node: etree._Element) -> str:
    """An element's class and id, lower-cased, for tests of the names a box is given."""
    return f"{node.get('class', '')} {node.get('id', '')}".lower()


def text_length(node: etree._Element) -> int:
    """Length of an element's text as a reader sees it (normalised)."""
    return len(normalize_line("".join(node.itertext())))


def inside(node: etree._Element, ancestor: etree._Element) -> bool:
    """Whether ``node`` is ``ancestor`` or lies inside it."""
    return node is ancestor or any(a is ancestor for a in node.iterancestors())


def depth(node: etree._Element) -> int:
    return sum(1 for _ in node.iterancestors())


def common_ancestor(a: etree._Element, b: etree._Element) -> etree._Element:
    ancestors = {id(n): n for n in (a, *a.iterancestors())}
    for node in chain((b,), b.iterancestors()):
        if id(node) in ancestors:
            return node
    return b.getroottree().getroot()


def precedes(a: etree._Element, b: etree._Element) -> bool:
    """Whether ``a`` starts before ``b`` in document order (``a`` not inside ``b``)."""
    common = common_ancestor(a, b)
    if common is a:
        return True
    if common is b:
        return False
    branch_a = next(n for n in chain((a,), a.iterancestors()) if n.getparent() is common)
    branch_b = next(n for n in chain((b,), b.iterancestors()) if n.getparent() is common)
    return common.index(branch_a) < common.index(branch_b)


def remove_keeping_tail(node: etree._Element) -> None:
    """Remove ``node`` but keep its tail text, which belongs to the parent."""
    parent = node.getparent()
    if parent is None:
        return
    if node.tail:
        previous = node.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + node.tail
        else:
            parent.text = (parent.text or "") + node.tail
    parent.remove(node)
