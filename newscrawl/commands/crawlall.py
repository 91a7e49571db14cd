"""``scrapy crawlall``: every outlet's spider in one process, with the same arguments.

Made for the scheduled job (cron, a systemd timer): one summary line per outlet (new items,
articles skipped as already seen, failures) and a non-zero exit status when any spider
failed, so the scheduler notices.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands import BaseRunSpiderCommand
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError


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


def summary_line(name: str, stats: dict, failures: list[str]) -> str:
    # Articles whose outputs and seen-store record were committed: after an output failure
    # the rest were rolled back (newscrawl.state), however many were scraped.
    new = stats.get("output/articles_committed", stats.get("item_scraped_count", 0))
    seen = stats.get("discovery/known", 0) + stats.get("dedupe/seen", 0)
    status = "FAILED: " + "; ".join(failures) if failures else "ok"
    return f"{name}: {new} new, {seen} skipped as seen, {failed_pages(stats)} failed ({status})"


class Command(BaseRunSpiderCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options]"

    def short_desc(self) -> str:
        return "Run every outlet's spider in one process, with the same arguments"

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        for uri in self.settings.getdict("FEEDS"):
            if "%(name)s" not in str(uri):
                raise UsageError(
                    f"feed {uri!r}: the spiders would overwrite each other's output;"
                    " put %(name)s in the file name, e.g. -o 'output/%(name)s.jsonl'",
                    print_help=False,
                )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError("crawlall runs every spider; name none")
        process = self.crawler_process
        crawlers: dict[str, Crawler] = {}
        bootstrap_errors: dict[str, str] = {}
        for name in sorted(process.spider_loader.list()):
            crawler = crawlers[name] = self._create_crawler(name)
            started = process.crawl(crawler, **opts.spargs)
            started.add_done_callback(
                lambda task, name=name: self._remember_error(task, bootstrap_errors, name)
            )
        process.start()
        failed = False
        for name, crawler in crawlers.items():
            stats = crawler.stats.get_stats() if crawler.stats else {}
            failures = spider_failures(stats)
            if name in bootstrap_errors:
                failures.insert(0, f"did not start: {bootstrap_errors[name]}")
            failed |= bool(failures)
            print(summary_line(name, stats, failures), file=sys.stdout, flush=True)
        if failed or process.bootstrap_failed:
            self.exitcode = 1

    @staticmethod
    def _remember_error(task, errors: dict[str, str], name: str) -> None:
        """A crawl that could not start (bad spider arguments, a broken setting)."""
        if not task.cancelled() and task.exception() is not None:
            errors[name] = str(task.exception())
