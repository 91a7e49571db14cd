"""Spidermon monitors run when a spider closes: is this outlet's crawl healthy?

Enabled in ``newscrawl/settings.py`` (``SPIDERMON_ENABLED``, spidermon's extension through
``newscrawl.extensions.Monitoring``, ``SPIDERMON_SPIDER_CLOSE_MONITORS``). The suite
checks, from the crawl's stats:

- **articles out**: when article pages were requested (``discovery/article_requests``) and
  responses came back, at least one item came out, unless something says why none did: a
  skip reason (``skip/*``: soft 404, CDN challenge...) or an item dropped by the dedupe
  pipeline (already seen, unchanged). A run that found nothing new requests no article and
  passes;
- **layout fallback**: no "layout changed?" alarm, i.e. no stat ``extract/layout_changed``:
  ``newscrawl/layout_watch.py`` alone decides it, from the share of article pages that
  matched none of the outlet's layouts and ``NEWSCRAWL_FALLBACK_ALERT_SHARE``; this monitor
  only reports it;
- **field coverage** (spidermon's own ``FieldCoverageMonitor``): ``title``, ``body``,
  ``published`` and ``code`` in 100% of the items (``SPIDERMON_FIELD_COVERAGE_RULES``);
  skipped when no item was scraped;
- **error log**: no ERROR (or CRITICAL) log line of this spider (stat ``log/errors``, see
  ``newscrawl.extensions.SpiderErrorLogCount``);
- **feeds**: when feeds were read, at least one was usable (``feed/ok`` or
  ``feed/malformed``, see ``newscrawl/feed_links.py``);
- **replay misses**: in replay mode, no article page missing from the saved pages
  (``replay/miss_article``). Other misses are expected: a listing walk asks for the page
  after the last one saved.

A failing monitor is one ERROR line, ``Monitor failed: <name>: <reason>`` (spidermon's own
report is a unittest traceback per failure: ``Spidermon`` below swaps its result writer), and
counted in the stats by ``MonitorResultsToStats``: ``monitors/passed``, ``monitors/failed``
and ``monitors/failed_names``. Notification actions (Slack, e-mail, Telegram... see the
README, "Monitoring") run when a monitor failed: list them, as import paths, in
``NEWSCRAWL_MONITORS_FAILED_ACTIONS``.
"""

from __future__ import annotations

import warnings

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy.utils.misc import load_object
from spidermon import Action, MonitorSuite, monitors
from spidermon.contrib.scrapy.extensions import Spidermon as SpidermonExtension
from spidermon.contrib.scrapy.monitors import BaseScrapyMonitor, FieldCoverageMonitor
from spidermon.contrib.scrapy.runners import SpiderMonitorResult, SpiderMonitorRunner

from newscrawl.extensions import ERROR_LOG_STAT
from newscrawl.feed_links import feed_summary
from newscrawl.layout_watch import LAYOUT_CHANGED_STAT

__all__ = ["ERROR_LOG_STAT", "SpiderCloseMonitorSuite"]


# spidermon 1.27 reports through Spider.log(), deprecated by Scrapy: one WARNING per process
# that says nothing about the crawl.
warnings.filterwarnings(
    "ignore", message=r"Spider\.log\(\) is deprecated", category=ScrapyDeprecationWarning
)


@monitors.name("Articles out")
class ArticlesOutMonitor(BaseScrapyMonitor):
    @monitors.name("items when article pages were fetched")
    def test_items_when_article_pages_were_fetched(self) -> None:
        stats = self.data.stats
        # Pages this process parsed as articles (in a distributed crawl, the worker that
        # queued the requests is often not the one that fetched them).
        requested = stats.get("extract/articles", 0)
        if not requested:
            return
        explained = stats.get("item_dropped_count", 0) + sum(
            value for name, value in stats.items() if name.startswith("skip/")
        )
        self.assertTrue(
            stats.get("item_scraped_count", 0) > 0 or explained > 0,
            msg=f"{requested} article pages parsed, no item and no skip reason",
        )


@monitors.name("Layout fallback")
class LayoutFallbackMonitor(BaseScrapyMonitor):
    @monitors.name("share within NEWSCRAWL_FALLBACK_ALERT_SHARE")
    def test_fallback_share(self) -> None:
        # LayoutWatchExtension (before this, at spider close) decided; reported here.
        stats = self.data.stats
        self.assertFalse(
            stats.get(LAYOUT_CHANGED_STAT),
            msg=f"{stats.get('extract/fallback', 0)} of {stats.get('extract/articles', 0)}"
            f" article pages matched no layout ({stats.get('extract/fallback_share', 0):.0%},"
            " above NEWSCRAWL_FALLBACK_ALERT_SHARE): layout changed?",
        )


@monitors.name("Error log")
class ErrorLogMonitor(BaseScrapyMonitor):
    @monitors.name("no ERROR line")
    def test_no_error_line(self) -> None:
        errors = self.data.stats.get(ERROR_LOG_STAT, 0)
        self.assertEqual(errors, 0, msg=f"{errors} ERROR log lines")


@monitors.name("Replay misses")
class ReplayMissMonitor(BaseScrapyMonitor):
    @monitors.name("no article page missing")
    def test_no_article_page_missing(self) -> None:
        missed = self.data.stats.get("replay/miss_article", 0)
        self.assertEqual(missed, 0, msg=f"{missed} article pages not in the saved pages")


@monitors.name("Feeds")
class FeedsMonitor(BaseScrapyMonitor):
    @monitors.name("at least one usable feed")
    def test_at_least_one_usable_feed(self) -> None:
        read, usable, outcomes = feed_summary(self.data.stats)
        if not read:  # no feed read: a URL list, codes, an archive walk, a replay without
            return
        self.assertGreater(usable, 0, msg=f"none of the {read} feeds was usable ({outcomes})")


class MonitorResultsToStats(Action):
    """Put the monitors' outcome in the crawl's stats (and so in ``NEWSCRAWL_STATS_FILE``)."""

    def run_action(self) -> None:
        stats = self.data.crawler.stats
        failed = sorted(result.item.name for result in self.result.monitors_failed_results)
        stats.set_value("monitors/passed", len(self.result.monitors_passed_results))
        stats.set_value("monitors/failed", len(failed))
        if failed:
            stats.set_value("monitors/failed_names", failed)


class SpiderCloseMonitorSuite(MonitorSuite):
    monitors = [  # noqa: RUF012 (spidermon's declarative class attributes)
        ArticlesOutMonitor,
        LayoutFallbackMonitor,
        FieldCoverageMonitor,
        ErrorLogMonitor,
        ReplayMissMonitor,
        FeedsMonitor,
    ]
    monitors_finished_actions = [MonitorResultsToStats]  # noqa: RUF012

    def __init__(self, *args, crawler: Crawler | None = None, **kwargs) -> None:
        super().__init__(*args, crawler=crawler, **kwargs)
        if crawler is not None:
            # Notifications (README, "Monitoring"), loaded like spidermon loads actions.
            actions = crawler.settings.getlist("NEWSCRAWL_MONITORS_FAILED_ACTIONS")
            self.add_monitors_failed_actions(load_object(path) for path in actions)


class OneLineMonitorResult(SpiderMonitorResult):
    """spidermon's report of a run, with each failure as one ERROR line and its reason."""

    def write_errors(self) -> None:
        for status in self.step.error_statuses:
            for result in self.step.items_for_status(status):
                reason = getattr(result, "reason", None) or _last_line(result.error)
                self.spider.logger.error("Monitor failed: %s: %s", result.item.name, reason)


def _last_line(text: object) -> str:
    lines = [line for line in str(text or "").splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no reason given"


class OneLineMonitorRunner(SpiderMonitorRunner):
    def create_result(self) -> OneLineMonitorResult:
        return OneLineMonitorResult(self.spider)


class Spidermon(SpidermonExtension):
    """spidermon's extension, reporting through ``OneLineMonitorRunner``. spidermon has no
    setting for the runner; ``_run_suites`` is its one place that builds it."""

    def _run_suites(self, spider: Spider, suites) -> None:
        data = self._generate_data_for_spider(spider)
        for suite in suites:
            OneLineMonitorRunner(spider=spider).run(suite, **data)
