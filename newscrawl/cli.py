"""What ``scrapy crawl`` and ``scrapy crawlall`` share (``newscrawl/commands/``).

- A user's mistake (an unknown outlet, a bad ``-a`` argument, a missing replay source, a
  malformed ``-a``/``-o``/``-s``) is one line on stderr, ``scrapy <command>: error: ...``,
  naming what is wrong and the valid form, and exit status 2: checked before any crawler
  starts (``newscrawl/arguments.py``), never a traceback.
- After the crawl, one summary line per outlet (``newscrawl/summary.py``) on stdout (stderr
  when a feed is written to stdout), and exit status 1 when any outlet failed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from scrapy import signals
from scrapy.commands import BaseRunSpiderCommand
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from scrapy.spiderloader import get_spider_loader

from newscrawl import log_records, startup_gc
from newscrawl.arguments import check_crawl
from newscrawl.summary import spider_failures, summary_line

USAGE_EXIT = 2


class OutletCrawlCommand(BaseRunSpiderCommand):
    """Runs the outlets ``outlets_to_run`` names, checked first, and summarises them."""

    requires_project = True
    outlets: list[str]  # set by process_options, once checked

    def outlets_to_run(self, args: list[str], known: list[str]) -> list[str]:
        raise NotImplementedError

    def usage_error(self, error: UsageError | str) -> None:
        message = str(error) or "bad arguments"
        print(f"scrapy {self.command_name}: error: {message}", file=sys.stderr, flush=True)

    @property
    def command_name(self) -> str:
        return type(self).__module__.rsplit(".", 1)[-1]

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        """Scrapy's options, then the checks: both before the crawler process exists (it
        starts logging), so that a mistake is the only line the user sees.

        The garbage collector is held off from here until an engine starts (``run``;
        ``newscrawl/startup_gc.py``)."""
        startup_gc.hold()
        try:
            super().process_options(args, opts)
            self.outlets = self.check(args, opts)
        except BaseException as error:
            startup_gc.release()
            if not isinstance(error, UsageError):
                raise
            self.usage_error(error)
            sys.exit(USAGE_EXIT)

    def check(self, args: list[str], opts: argparse.Namespace) -> list[str]:
        """The outlets to crawl, or UsageError: everything that can be refused before a
        crawler starts."""
        loader = get_spider_loader(self.settings)
        known = sorted(loader.list())
        names = self.outlets_to_run(args, known)
        for name in names:
            if name not in known:
                raise UsageError(f"no outlet named {name!r}; valid: {', '.join(known)}")
        for name in names:
            check_crawl(loader.load(name), opts.spargs, self.settings)
        prepare_log_file(self.settings.get("LOG_FILE"))
        return names

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            crawlers, bootstrap_errors = self.crawl(opts.spargs)
        finally:
            startup_gc.release()  # also when no engine started
            log_records.restore()
        usage = [e for e in bootstrap_errors.values() if isinstance(e, UsageError)]
        if usage:  # what the checks above did not foresee (a setting, say)
            self.usage_error(usage[0])
            self.exitcode = USAGE_EXIT
            return
        self.exitcode = self.summarise(crawlers, bootstrap_errors)

    def crawl(
        self, spider_arguments: dict[str, str]
    ) -> tuple[dict[str, Crawler], dict[str, BaseException]]:
        """Run the outlets' crawlers to their end: (the crawlers, why any did not start)."""
        process = self.crawler_process
        crawlers: dict[str, Crawler] = {}
        bootstrap_errors: dict[str, BaseException] = {}
        for name in self.outlets:
            crawler = crawlers[name] = self._create_crawler(name)
            crawler.signals.connect(self.engine_started, signal=signals.engine_started)
            started = process.crawl(crawler, **spider_arguments)
            if hasattr(started, "add_done_callback"):  # an asyncio task (the asyncio reactor)
                started.add_done_callback(
                    lambda task, name=name: _remember_error(task, bootstrap_errors, name)
                )
            else:  # a Deferred (FORCE_CRAWLER_PROCESS)
                started.addErrback(
                    lambda failure, name=name: bootstrap_errors.setdefault(name, failure.value)
                )
        process.start()
        return crawlers, bootstrap_errors

    def engine_started(self) -> None:
        startup_gc.start_up_done(freeze=self.settings.getbool("NEWSCRAWL_GC_FREEZE"))
        log_records.skip_unhandled()

    def summarise(
        self, crawlers: dict[str, Crawler], bootstrap_errors: dict[str, BaseException]
    ) -> int:
        out = sys.stderr if _feeds_to_stdout(self.settings.getdict("FEEDS")) else sys.stdout
        failed = bool(self.crawler_process.bootstrap_failed)
        for name, crawler in crawlers.items():
            stats = _stats(crawler)
            failures = spider_failures(stats)
            if name in bootstrap_errors:
                failures.insert(0, f"did not start: {bootstrap_errors[name]}")
            failed |= bool(failures)
            print(summary_line(name, stats, failures), file=out, flush=True)
        return 1 if failed else 0


def prepare_log_file(log_file: str | None) -> None:
    """``LOG_FILE``'s directory made, as the feeds' and stats' are (Scrapy would open the
    file in a missing directory with a traceback), or UsageError when it cannot be."""
    if not log_file:
        return
    path = Path(log_file)
    if path.is_dir():
        raise UsageError(f"-s LOG_FILE={log_file}: a directory; expected LOG_FILE=FILE")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(
            f"-s LOG_FILE={log_file}: its directory cannot be made ({error.strerror}); "
            "expected LOG_FILE=FILE in a writable directory"
        ) from None


def _remember_error(task, errors: dict[str, BaseException], name: str) -> None:
    """A crawl that could not start (a spider argument, a broken setting); retrieving the
    exception here also keeps asyncio from printing it as never retrieved."""
    if not task.cancelled() and task.exception() is not None:
        errors[name] = task.exception()


def _stats(crawler: Crawler) -> dict:
    try:
        return crawler.stats.get_stats()
    except RuntimeError:  # "Crawler.stats is not set yet": it never started
        return {}


def _feeds_to_stdout(feeds: dict) -> bool:
    return any(str(uri) in ("-", "stdout:") for uri in feeds)


def outlet_names(args: Sequence[str]) -> list[str]:
    """Outlet names given as ``a b`` or ``a,b``."""
    return [name for arg in args for name in arg.split(",") if name]
