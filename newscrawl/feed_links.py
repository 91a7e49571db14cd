"""Article links of an RSS or Atom feed, with what became of the feed.

Every feed a crawl reads ends in one outcome, counted in the stat ``feed/<outcome>`` and
logged (``record_outcome``); ``feed/links`` adds up the links found:

- ``ok``: well-formed, with links;
- ``malformed``: not well-formed XML (a bare ``&``, an unclosed tag, cut off), links
  recovered by lxml's recovering parser: used, but counted and logged as a WARNING;
- ``empty``: a well-formed feed without a single link;
- ``rejected``: not usable: no XML at all, not a feed (an HTML page), nothing recovered, or
  a document type declaring entities. Feeds have no use for entity declarations; they are
  how an entity-expansion payload ("billion laughs") or an external entity (a local file, a
  URL) gets in. Entities are never expanded nor loaded: the parsers resolve none, read no
  DTD and touch no network, and a feed declaring any is refused before its links are read;
- ``failed`` (counted by the spider): the feed could not be fetched, or was answered by an
  HTTP error or a CDN challenge.

``ok`` and ``malformed`` feeds are usable; the monitor "Feeds" (``newscrawl/monitors.py``)
fails when an outlet read feeds and none was usable.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from lxml import etree
from scrapy.statscollectors import StatsCollector

USABLE = ("ok", "malformed")
OUTCOMES = ("ok", "malformed", "empty", "rejected", "failed")
LINKS_STAT = "feed/links"

# Nothing resolved, loaded or fetched; lxml's default size limits stay (huge_tree off).
_SAFE = {"resolve_entities": False, "load_dtd": False, "no_network": True, "huge_tree": False}
_STRICT = etree.XMLParser(recover=False, **_SAFE)
_RECOVERING = etree.XMLParser(recover=True, **_SAFE)
_FEED_ROOTS = frozenset({"rss", "feed", "RDF"})
# Evaluated with element.xpath, not a compiled etree.XPath kept across documents (see
# newscrawl/selection.py).
_LINKS = (
    "//*[local-name()='item']/*[local-name()='link']/text()"
    " | //*[local-name()='entry']/*[local-name()='link']/@href"
    " | //*[local-name()='item']/*[local-name()='guid']/text()"
)


@dataclass(frozen=True, slots=True)
class FeedLinks:
    outcome: str  # one of OUTCOMES
    links: list[str]
    detail: str = ""


def feed_links(body: bytes) -> FeedLinks:
    """The links of a feed's body, and its outcome."""
    if not body.strip():
        return FeedLinks("rejected", [], "empty body")
    outcome, detail = "ok", ""
    try:
        root = etree.fromstring(body, _STRICT)
    except etree.XMLSyntaxError as error:
        outcome, detail = "malformed", str(error)
        try:
            root = etree.fromstring(body, _RECOVERING)
        except etree.XMLSyntaxError:
            root = None
    if root is None:
        return FeedLinks("rejected", [], f"not XML ({detail})")
    entities = _declared_entities(root)
    if entities:
        return FeedLinks("rejected", [], f"declares entities ({', '.join(entities[:3])})")
    if etree.QName(root).localname not in _FEED_ROOTS:
        return FeedLinks("rejected", [], f"not a feed (root element <{root.tag}>)")
    links = [link.strip() for link in root.xpath(_LINKS, smart_strings=False) if link.strip()]
    if not links:
        if outcome == "malformed":
            return FeedLinks("rejected", [], f"malformed, no link recovered ({detail})")
        return FeedLinks("empty", [], "no item or entry with a link")
    return FeedLinks(outcome, links, detail)


def _declared_entities(root: etree._Element) -> list[str]:
    dtd = root.getroottree().docinfo.internalDTD
    return [entity.name for entity in dtd.iterentities()] if dtd is not None else []


def record_outcome(
    stats: StatsCollector, logger: logging.Logger | logging.LoggerAdapter, url: str, found
) -> None:
    """Count and log a feed's outcome (``found``: a FeedLinks, or an outcome name)."""
    if isinstance(found, str):
        found = FeedLinks(found, [])
    stats.inc_value(f"feed/{found.outcome}")
    stats.inc_value(LINKS_STAT, len(found.links))
    if found.outcome == "ok":
        logger.info("Feed %s: %d links", url, len(found.links))
    elif found.outcome == "malformed":
        logger.warning(
            "Feed %s is malformed, %d links recovered: %s", url, len(found.links), found.detail
        )
    elif found.outcome != "failed":  # a failed fetch is logged where it failed
        logger.warning("Feed %s %s: %s", url, found.outcome, found.detail)


def feed_summary(stats: dict) -> tuple[int, int, str]:
    """(feeds read, feeds usable, their outcomes as text) from a crawl's stats."""
    counts = {outcome: stats.get(f"feed/{outcome}", 0) for outcome in OUTCOMES}
    read = sum(counts.values())
    usable = sum(counts[outcome] for outcome in USABLE)
    text = ", ".join(f"{count} {outcome}" for outcome, count in counts.items() if count)
    return read, usable, text
