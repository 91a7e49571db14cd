"""What is not article text inside an article's body container, recognised by structure
rather than by tag or class name alone (a caption need not be a ``<figcaption>``):

- a caption: the short text attached to an image or player — inside the same small wrapper
  (``<figure><img><span>…``, ``<p><img><br>…``), or the short block right after it whose
  shape (``<span>``, ``<p><span>``, a caption class) is not the shape of the body's
  paragraphs;
- a player block: a video/audio/iframe element (or an element named a player) with the
  short text around it (its title, "download" lines);
- a link box: a "read more" heading standing alone (``<p>بیشتر بخوانید:</p>``) together
  with the link paragraphs that follow it, and a list made only of links.

Images are kept where they are: only the text of captions goes (the body's images are
still collected from the container).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from lxml import etree

from newscrawl.layout import LINK_BOX_HEADINGS
from newscrawl.text import normalize_line
from newscrawl.tree import class_and_id, inside, remove_keeping_tail, text_length

MEDIA_TAGS = frozenset({"img", "amp-img", "picture", "svg", "amp-anim"})
PLAYER_TAGS = frozenset(
    {"video", "amp-video", "audio", "amp-audio", "iframe", "amp-iframe", "object", "embed"}
    | {"amp-youtube", "amp-jwplayer", "amp-brightcove"}
)
# A class or id naming a player (aparat, jwplayer and the CMSs' own players all say so).
_PLAYER_HINT = "player"
CAPTION_MAX_CHARS = 250
PLAYER_TEXT_MAX_CHARS = 150
PLAYER_TITLE_MAX_CHARS = 100
_INLINE_WRAPPERS = frozenset({"span", "em", "i", "small", "font", "cite", "sub"})
_CAPTION_TAGS = frozenset({"span", "small", "em", "i", "figcaption", "cite", "sub"})
_CAPTION_CLASS_HINTS = ("caption", "desc", "credit", "source", "photo_text", "img_text")
# A paragraph this long is article text, whatever its shape.
_PARAGRAPH_MIN_CHARS = 40


def clean_body(
    container: etree._Element,
    headings: Iterable[str],
    foreign_link: Callable[[str], bool] | None = None,
) -> None:
    """Remove embeds, captions, player blocks, link boxes and linked-away images from
    ``container`` in place (``foreign_link(href)`` says whether a link leads away from the
    article: to another article, a channel, an advertiser)."""
    remove = remove_keeping_tail
    _drop_embeds(container, remove)
    _drop_widgets(container, remove)
    _drop_players(container, remove)
    _drop_captions(container, remove)
    _drop_boxes_led_by_a_heading(container, remove)
    _drop_link_boxes(container, tuple(h.rstrip(":：") for h in headings), remove)
    _drop_linked_away_images(container, foreign_link, remove)


# Social-media embeds pasted into bodies: the post's own text and the widget's lines
# ("مشاهده این پست در اینستاگرام") are not the article's. By class or data attribute, and by
# structure: a blockquote right before the embed's script.
_EMBED_NAMES = ("instagram", "twitter", "tweet", "telegram", "tiktok", "facebook", "eitaa")
_EMBED_SCRIPT_HOSTS = ("instagram.com", "twitter.com", "platform.x.com", "telegram.org")
_EMBED_SCRIPT_HOSTS += ("tiktok.com", "facebook.net", "eitaa.com")


def _drop_embeds(container: etree._Element, remove) -> None:
    for node in list(container.iter("blockquote", "div", "iframe")):
        if _detached(node, container) or node is container:
            continue
        names = class_and_id(node)
        data = " ".join(k for k in node.attrib if k.startswith("data-"))
        if any(n in names or n in data for n in _EMBED_NAMES):
            remove(node)
    for script in list(container.iter("script")):
        src = (script.get("src") or "").lower()
        previous = script.getprevious()
        if (
            any(host in src for host in _EMBED_SCRIPT_HOSTS)
            and previous is not None
            and previous.tag == "blockquote"
        ):
            remove(previous)


# Form controls: a poll, a quiz, a newsletter sign-up. Their box (the short text around
# them: question, options, results) goes with them.
_WIDGET_TAGS = ("form", "input", "button", "select", "textarea")
WIDGET_TEXT_MAX_CHARS = 400


def _drop_widgets(container: etree._Element, remove) -> None:
    for control in list(container.iter(*_WIDGET_TAGS)):
        if not _detached(control, container):
            remove(_attached_block(control, container, WIDGET_TEXT_MAX_CHARS))


# Headings of the boxes pasted around or into an article (comments, related and most-read
# lists, sponsor links, tags), compared without ZWNJ: a box led by one is no article text.
BOX_HEADINGS = frozenset(
    normalize_line(heading, strip_zwnj=True).rstrip(":：")
    for heading in (
        *LINK_BOX_HEADINGS,
        "خبرهای مرتبط",
        "نظرات",
        "نظر شما",
        "دیدگاه‌ها",
        "دیدگاه شما",
        "ارسال نظر",
        "بازرگانی",
        "پربازدیدترین",
        "پربیننده‌ترین",
        "پربحث‌ترین",
        "آخرین اخبار",
        "تازه‌ترین اخبار",
        "اخبار برگزیده",
        "گزیده اخبار",
        "از سراسر وب",
        "برچسب‌ها",
        "گزارش تصویری",
        "پیشنهاد ویژه",
        "فهرست مطالب",
        "نظرسنجی",
    )
)
_HEADING_TAGS = frozenset({"h2", "h3", "h4", "h5", "h6", "strong", "b", "span", "div", "p"})


def led_by_box_heading(node: etree._Element) -> bool:
    """Whether ``node`` is a box whose first child is the heading of a known box."""
    first = next((c for c in node if isinstance(c.tag, str)), None)
    if first is None or first.tag not in _HEADING_TAGS or (node.text or "").strip():
        return False
    if len(first) > 1:
        return False
    heading = normalize_line("".join(first.itertext()), strip_zwnj=True).rstrip(":：. ")
    return heading in BOX_HEADINGS and len(node) > 1


def _drop_boxes_led_by_a_heading(container: etree._Element, remove) -> None:
    for node in list(container.iter("div", "section", "aside", "ul", "blockquote")):
        if node is not container and not _detached(node, container) and led_by_box_heading(node):
            remove(node)


# Theme and static files (logos, channel banners) are never an article's images.
_THEME_PATHS = ("/theme/", "/themes/", "/resources/theme", "/static/", "/assets/", "/icons/")


def _drop_linked_away_images(
    container: etree._Element, foreign_link: Callable[[str], bool] | None, remove
) -> None:
    """An image that links to another article (a teaser's thumbnail) or off the site (a
    channel promo, an advertiser's banner) goes with its link; a theme file goes too."""
    for image in list(container.iter(*MEDIA_TAGS)):
        if _detached(image, container):
            continue
        link = next(
            (a for a in image.iterancestors("a") if a is not container and inside(a, container)),
            None,
        )
        if link is not None and foreign_link is not None and foreign_link(link.get("href", "")):
            remove(link)
            continue
        src = (image.get("data-src") or image.get("src") or "").lower()
        if any(path in src for path in _THEME_PATHS):
            remove(image)


def _is_player(node: etree._Element) -> bool:
    if not isinstance(node.tag, str):
        return False
    if node.tag in PLAYER_TAGS:
        return True
    names = class_and_id(node)
    return _PLAYER_HINT in names


def _attached_block(node: etree._Element, container: etree._Element, max_chars: int):
    """The largest ancestor-or-self of ``node`` below ``container`` that holds no more
    than ``max_chars`` of text: the wrapper a caption or player title shares with it."""
    block = node
    parent = block.getparent()
    while parent is not None and parent is not container and text_length(parent) <= max_chars:
        block = parent
        parent = block.getparent()
    return block


def _drop_players(container: etree._Element, remove) -> None:
    players = [n for n in container.iter() if n is not container and _is_player(n)]
    for player in players:
        if _detached(player, container):
            continue
        block = _attached_block(player, container, PLAYER_TEXT_MAX_CHARS)
        following, preceding = block.getnext(), block.getprevious()
        remove(block)
        # The player's own title line right after it: short, and only links or small text.
        if following is not None and _is_caption_like(following, container):
            remove(following)
        # ... or right above it: a short line in one bold or inline element, or a heading
        # ("فیلم لحظه خروج کارگران را ببینید").
        if preceding is not None and _is_title_line(preceding):
            remove(preceding)


def _is_title_line(node: etree._Element) -> bool:
    if not isinstance(node.tag, str) or any(True for _ in node.iter(*MEDIA_TAGS)):
        return False
    if not 0 < text_length(node) <= PLAYER_TITLE_MAX_CHARS:
        return False
    if node.tag in ("h2", "h3", "h4", "h5", "h6", "strong", "b"):
        return True
    children = [c for c in node if isinstance(c.tag, str)]
    return (
        len(children) == 1
        and children[0].tag in ("strong", "b", *_INLINE_WRAPPERS)
        and not (node.text or "").strip()
        and not (children[0].tail or "").strip()
    )


def _drop_captions(container: etree._Element, remove) -> None:
    images = [n for n in container.iter(*MEDIA_TAGS) if not _detached(n, container)]
    blocks = [_attached_block(image, container, CAPTION_MAX_CHARS) for image in images]
    # The block right after each image: a caption if it is caption-like and not shaped as
    # the body's paragraphs are (counted without these blocks).
    after = {
        id(following): following
        for block in blocks
        if (following := block.getnext()) is not None and not (block.tail or "").strip()
    }
    # (Measuring every paragraph costs: only when some block follows an image.)
    shapes = _paragraph_shapes(container, exclude=set(after)) if after else frozenset()
    for image, block in zip(images, blocks, strict=True):
        if _detached(image, container):
            continue
        if block is not image:
            _strip_text_keeping_media(block)
    for following in after.values():
        if (
            not _detached(following, container)
            and _is_caption_like(following, container)
            and _shape(following) not in shapes
        ):
            remove(following)


def _drop_link_boxes(container: etree._Element, headings: tuple[str, ...], remove) -> None:
    for node in list(container.iter()):
        if node is container or _detached(node, container) or not isinstance(node.tag, str):
            continue
        if node.tag in ("ul", "ol") and _only_links(node):
            remove(node)
            continue
        # A heading is one element, or one holding a single bare one (<p><strong>…</strong>).
        if len(node) > 1 or (len(node) == 1 and len(node[0])):
            continue
        text = normalize_line("".join(node.itertext())).rstrip(":：. ").strip()
        if not text or text not in headings:
            continue
        # The heading's own block: <p><strong>بیشتر بخوانید:</strong></p> is one heading.
        while node.getparent() is not container and node.getnext() is None:
            parent = node.getparent()
            if normalize_line("".join(parent.itertext())).rstrip(":：. ") != text:
                break
            node = parent
        following = node.getnext()
        remove(node)
        while following is not None and _link_dominated(following):
            after = following.getnext()
            remove(following)
            following = after


def _detached(node: etree._Element, container: etree._Element) -> bool:
    """Whether ``node`` was removed from ``container`` along with an ancestor already."""
    return all(ancestor is not container for ancestor in node.iterancestors())


def _is_caption_like(node: etree._Element, container: etree._Element) -> bool:
    if not isinstance(node.tag, str) or any(True for _ in node.iter(*MEDIA_TAGS)):
        return False
    length = text_length(node)
    if not 0 < length <= CAPTION_MAX_CHARS:
        return False
    classes = (node.get("class") or "").lower()
    if any(hint in classes for hint in _CAPTION_CLASS_HINTS):
        return True
    if node.tag in _CAPTION_TAGS:
        return True
    if _link_dominated(node):
        return True
    return _single_inline_child(node) is not None


def _single_inline_child(node: etree._Element) -> str | None:
    """The tag of the one inline element holding all of ``node``'s text, if there is one."""
    children = [c for c in node if isinstance(c.tag, str)]
    if len(children) != 1 or (node.text or "").strip() or (children[0].tail or "").strip():
        return None
    tag = children[0].tag
    return tag if tag in _INLINE_WRAPPERS else None


def _shape(node: etree._Element) -> tuple[str, str | None]:
    return (node.tag, _single_inline_child(node))


def _paragraph_shapes(
    container: etree._Element, exclude: set[int]
) -> frozenset[tuple[str, str | None]]:
    """Shapes that at least a third of the body's real paragraphs have: a block of such a
    shape after an image is a paragraph, not a caption (Word pastes every paragraph as
    ``<p><span>``). Blocks right after images (``exclude``, by id) are not counted."""
    paragraphs = [
        n
        for n in container.iter("p", "div")
        if n is not container and id(n) not in exclude and text_length(n) >= _PARAGRAPH_MIN_CHARS
    ]
    counts = Counter(_shape(p) for p in paragraphs)
    return frozenset(s for s, n in counts.items() if n * 3 >= len(paragraphs))


def _link_text_length(node: etree._Element) -> int:
    return sum(text_length(a) for a in node.iter("a"))


def _link_dominated(node: etree._Element) -> bool:
    if not isinstance(node.tag, str):
        return False
    total = text_length(node)
    return total > 0 and _link_text_length(node) >= 0.6 * total


def _only_links(node: etree._Element) -> bool:
    items = list(node.iter("li"))
    return len(items) >= 2 and all(_link_dominated(li) for li in items)


def _strip_text_keeping_media(block: etree._Element) -> None:
    """Delete the text inside ``block`` but keep its images (and the block's own tail)."""
    block.text = None
    for node in list(block.iterdescendants()):
        if not isinstance(node.tag, str):
            continue
        if node.tag in MEDIA_TAGS or any(True for _ in node.iter(*MEDIA_TAGS)):
            node.text = None if node.tag not in MEDIA_TAGS else node.text
            node.tail = None
            continue
        if _detached(node, block):
            continue
        node.getparent().remove(node)
