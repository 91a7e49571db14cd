"""``scrapy crawl <outlet>``: Scrapy's own command, with the project's front door.

The same crawl as Scrapy's ``crawl`` command (which this one replaces through
``COMMANDS_MODULE``), plus what ``newscrawl/cli.py`` adds: the arguments are checked before
the crawler starts (a mistake is one stderr line and exit status 2), one summary line at
the end, and exit status 1 when the crawl failed (e.g. none of its start pages was usable).
"""

from __future__ import annotations

from scrapy.exceptions import UsageError

from newscrawl.cli import OutletCrawlCommand


class Command(OutletCrawlCommand):
    def syntax(self) -> str:
        return "[options] <outlet>"

    def short_desc(self) -> str:
        return "Run one outlet's spider, by name"

    def outlets_to_run(self, args: list[str], known: list[str]) -> list[str]:
        if len(args) != 1:
            raise UsageError(
                f"name one outlet: scrapy crawl OUTLET, OUTLET one of {', '.join(known)}"
            )
        return args
