"""Spidermon monitors run when a spider closes: is this outlet's crawl healthy?

Enabled in ``newscrawl/settings.py`` (``SPIDERMON_ENABLED``, spidermon's extension through
``newscrawl.extensions.Monitoring``, ``SPIDERMON_SPIDER_CLOSE_MONITORS``). The suite
checks, from the crawl's stats:

- **articles out**: when article pages were requested (``discovery/article_requests``) and
  responses came back, at least one item came out, unless something says why none did: a
  skip reason (``skip/*``: soft 404, CDN challenge...) or an item dropped by the dedupe
  pipeline (already seen, unchanged). A run that found nothing new requests no article and
  passes;
- **layout fallback**: the share of article pages that matched none of the outlet's layouts
  (``extract/fallback`` / ``extract/articles``) is at most ``NEWSCRAWL_FALLBACK_ALERT_SHARE``
  (the threshold of ``newscrawl/layout_watch.py``);
- **field coverage** (spidermon's own ``FieldCoverageMonitor``): ``title``, ``body``,
  ``published`` and ``code`` in 100% of the items (``SPIDERMON_FIELD_COVERAGE_RULES``);
  skipped when no item was scraped;
- **error log**: no ERROR (or CRITICAL) log line of this spider (stat ``log/errors``, see
  ``newscrawl.extensions.SpiderErrorLogCount``);
- **replay misses**: in replay mode, no article page missing from the saved pages
  (``replay/miss_article``). Other misses are expected: a listing walk asks for the page
  after the last one saved.

A failing monitor is logged by spidermon (an ERROR per failure, with the reason) and
counted in the stats by ``MonitorResultsToStats``: ``monitors/passed``, ``monitors/failed``
and ``monitors/failed_names``. Notification actions (Slack, e-mail, Telegram... see the
README, "Monitoring") run when a monitor failed: list them, as import paths, in
``NEWSCRAWL_MONITORS_FAILED_ACTIONS``.
"""

from __future__ import annotations

import warnings

from scrapy.crawler import Crawler
from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy.utils.misc import load_object
from spidermon import Action, MonitorSuite, monitors
from spidermon.contrib.scrapy.monitors import BaseScrapyMonitor, FieldCoverageMonitor

from newscrawl.extensions import ERROR_LOG_STAT, SpiderErrorLogCount
from newscrawl.layout_watch import alert_share, fallback_share

__all__ = ["ERROR_LOG_STAT", "SpiderCloseMonitorSuite", "SpiderErrorLogCount"]


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
        stats = self.data.stats
        share = fallback_share(stats)
        if share is None:
            return
        alert = alert_share(self.crawler.settings)
        self.assertLessEqual(
            share,
            alert,
            msg=f"{stats.get('extract/fallback', 0)} of {stats['extract/articles']} article "
            f"pages matched no layout (alert above {alert:.0%}): layout changed?",
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
    ]
    monitors_finished_actions = [MonitorResultsToStats]  # noqa: RUF012

    def __init__(self, *args, crawler: Crawler | None = None, **kwargs) -> None:
        super().__init__(*args, crawler=crawler, **kwargs)
        if crawler is not None:
            # Notifications (README, "Monitoring"), loaded like spidermon loads actions.
            actions = crawler.settings.getlist("NEWSCRAWL_MONITORS_FAILED_ACTIONS")
            self.add_monitors_failed_actions(load_object(path) for path in actions)
