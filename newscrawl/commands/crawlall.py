"""``scrapy crawlall``: every outlet's spider in one process, with the same arguments.

Made for the scheduled job (cron, a systemd timer): one summary line per outlet and a
non-zero exit status when any spider failed, so the scheduler notices (``newscrawl/cli.py``).
``scrapy crawlall kayhan,tasnim`` (or ``kayhan tasnim``) runs only those outlets.
"""

from __future__ import annotations

import argparse

from newscrawl.cli import OutletCrawlCommand, outlet_names


class Command(OutletCrawlCommand):
    def syntax(self) -> str:
        return "[options] [outlet ...]"

    def short_desc(self) -> str:
        return "Run every outlet's spider (or those named) in one process, same arguments"

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        for uri in self.settings.getdict("FEEDS"):
            if "%(name)s" not in str(uri):
                self.usage_error(
                    f"-o/-O {uri}: the spiders would overwrite each other's output;"
                    " put %(name)s in the file name, e.g. -o 'output/%(name)s.jsonl'"
                )
                raise SystemExit(2)

    def outlets_to_run(self, args: list[str], known: list[str]) -> list[str]:
        return outlet_names(args) or known
