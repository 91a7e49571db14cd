"""What a finished crawl of one outlet did, in one line, and whether it failed.

``scrapy crawl`` and ``scrapy crawlall`` print one line per outlet from the crawler's stats
(``newscrawl/cli.py``), e.g.::

    kayhan: 12 new, 1 revised, 30 unchanged, 143 skipped (140 seen, 3 soft_404), 0 failed (ok)

- new / revised: articles written out (JSON line and text file), by revision (counted by
  ``OutcomeCounter`` on ``item_scraped``, so an item dropped or failed later is not);
- unchanged: known articles fetched again by ``-a refresh=1`` whose content had not changed;
- skipped, by reason: ``seen`` (known to the seen-store: not fetched, or dropped),
  ``duplicate`` (twice in one run), and each page skip reason (``skip/<reason>``);
- failed: spider and item errors, requests given up after their retries, start pages that
  could not be used.
"""

from __future__ import annotations

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

NEW_STAT, REVISED_STAT = "items/new", "items/revised"


class OutcomeCounter:
    """Counts the articles written out, new (revision 1) or revised (``items/new``,
    ``items/revised``)."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OutcomeCounter:
        extension = cls(crawler.stats)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        return extension

    def item_scraped(self, item, response, spider) -> None:
        revision = item.get("revision") if hasattr(item, "get") else None
        self.stats.inc_value(REVISED_STAT if (revision or 1) > 1 else NEW_STAT)


def spider_failures(stats: dict) -> list[str]:
    """Why a finished crawl counts as failed (empty: it did not). Judged on the crawler's own
    stats: Scrapy's log counts (``log_count/ERROR``) take every crawler's records in a
    process running several."""
    reasons = []
    if stats.get("finish_reason") not in ("finished", None):
        reasons.append(f"finished with {stats.get('finish_reason')}")
    if stats.get("spider_exceptions/count", 0):
        reasons.append(f"{stats['spider_exceptions/count']} spider errors")
    if stats.get("item/errors", 0):
        reasons.append(f"{stats['item/errors']} item errors")
    if stats.get("discovery/nothing_discovered", 0):
        reasons.append("no start page could be used")
    if stats.get("monitors/failed", 0):
        names = ", ".join(stats.get("monitors/failed_names") or [])
        reasons.append(f"monitors failed: {names}")
    return reasons


def failed_pages(stats: dict) -> int:
    return sum(
        stats.get(name, 0)
        for name in (
            "spider_exceptions/count",
            "item/errors",
            "retry/max_reached",
            "discovery/start_pages_failed",
        )
    )


def skipped_by_reason(stats: dict) -> dict[str, int]:
    """Articles and pages that gave no item, by reason, largest first."""
    reasons = {
        "seen": stats.get("discovery/known", 0) + stats.get("dedupe/seen", 0),
        "duplicate": stats.get("dedupe/duplicate", 0),
    }
    for name, value in stats.items():
        if name.startswith("skip/") and isinstance(value, int):
            reasons[name.removeprefix("skip/")] = value
    return dict(sorted(((k, v) for k, v in reasons.items() if v), key=lambda kv: -kv[1]))


def summary_line(name: str, stats: dict, failures: list[str]) -> str:
    revised = stats.get(REVISED_STAT, 0)
    new = stats.get(NEW_STAT, stats.get("item_scraped_count", 0) - revised)
    # After an output failure the articles staged since the last commit were rolled back
    # (newscrawl/state.py): only the committed ones were written out.
    committed = stats.get("output/articles_committed")
    if committed is not None and committed < new + revised:
        revised = min(revised, committed)
        new = committed - revised
    unchanged = stats.get("refresh/unchanged", 0)
    skipped = skipped_by_reason(stats)
    reasons = ", ".join(f"{count} {reason}" for reason, count in skipped.items())
    skipped_text = f"{sum(skipped.values())} skipped" + (f" ({reasons})" if reasons else "")
    status = "FAILED: " + "; ".join(failures) if failures else "ok"
    return (
        f"{name}: {new} new, {revised} revised, {unchanged} unchanged, {skipped_text},"
        f" {failed_pages(stats)} failed ({status})"
    )
