"""``scrapy crawl``, exiting non-zero when the crawl stopped on its outputs.

Scrapy's own command exits 1 only when the crawl could not be set up. A crawl that stopped
because an output could not be written (finish reason ``output_failed``) or did not start
for lack of disk space (``low_disk_space``, see ``newscrawl.state``) exits 1 too, so that a
scheduler notices (``crawlall`` does the same through its summary).
"""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import Crawler

from newscrawl.state import OUTPUT_FAILURE_REASONS


class Command(ScrapyCrawlCommand):
    crawler: Crawler | None = None

    def _create_crawler(self, spname: str) -> Crawler:
        self.crawler = super()._create_crawler(spname)
        return self.crawler

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        super().run(args, opts)
        stats = self.crawler.stats if self.crawler is not None else None
        if stats is not None and stats.get_value("finish_reason") in OUTPUT_FAILURE_REASONS:
            self.exitcode = 1
