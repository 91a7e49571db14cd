"""Emit each article once, across runs: one item per (outlet, code).

An article the seen-store knows is dropped; with ``-a refresh=1`` it is emitted again, with
``revision`` one higher, only when its content changed. An article is recorded as seen only
after it was written out: on ``item_scraped``, which Scrapy sends after the feed exports
wrote its JSON line (and after ``text_files`` wrote its document), in durable batches (see
``newscrawl.state``). When an output failed (see ``CrawlState.fail``) nothing more is
passed on or recorded: the crawl is stopping.
"""

from __future__ import annotations

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newscrawl.document import content_hash
from newscrawl.items import SCHEMA_VERSION
from newscrawl.state import CrawlState


class DedupePipeline:
    """Its drops are ordinary outcomes, logged at INFO (Scrapy logs a DropItem at WARNING
    unless told), and counted in the summary line (newscrawl/summary.py)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        # Articles passed on but not yet written out, by key: a second copy arriving
        # meanwhile is a duplicate too.
        self.in_flight: dict[tuple[str, str], int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(pipeline.item_not_written, signal=signals.item_dropped)
        crawler.signals.connect(pipeline.item_failed, signal=signals.item_error)
        return pipeline

    @property
    def state(self) -> CrawlState:
        """Opened after the pipelines (newscrawl.state.CrawlStateExtension), hence read here."""
        return CrawlState.of(self.crawler)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        key = (adapter["outlet"], adapter["code"])
        stats = self.crawler.stats
        if not self.state.writable:
            stats.inc_value("dedupe/not_written_output_failed")
            raise DropItem(
                f"article {key[0]}/{key[1]} not written: the crawl stopped writing",
                log_level="DEBUG",
            )
        if key in self.in_flight:
            stats.inc_value("dedupe/duplicate")
            raise DropItem(f"duplicate article {key[0]}/{key[1]} in this run", log_level="INFO")
        known = self.state.store.get(key)
        if known is not None:
            refresh = getattr(self.crawler.spider, "refresh", False)
            if not refresh:
                stats.inc_value("dedupe/seen")
                raise DropItem(f"article {key[0]}/{key[1]} already emitted", log_level="INFO")
            if known.content_hash == content_hash(adapter["text"]):
                self.state.store.record(key, known.content_hash)  # last seen now
                self.state.staged(article=False)
                stats.inc_value("refresh/unchanged")
                raise DropItem(f"article {key[0]}/{key[1]} unchanged", log_level="INFO")
            stats.inc_value("refresh/changed")
        adapter["revision"] = known.revision + 1 if known else 1
        adapter["schema_version"] = SCHEMA_VERSION
        self.in_flight[key] = id(item)
        return item

    def item_scraped(self, item, response, spider) -> None:
        adapter = ItemAdapter(item)
        key = (adapter["outlet"], adapter["code"])
        if self.in_flight.pop(key, None) is None or not self.state.writable:
            self.state.pending_lines.clear()
            return  # a duplicate, or its JSON line could not be written: not seen
        try:
            self.state.store.record(key, content_hash(adapter["text"]))
        except self.state.write_errors as error:  # a store that reads to record (Redis)
            self.state.fail("the seen-store", error)
            return
        self.state.article_written(adapter)
        self.state.staged()

    def item_not_written(self, item, response, spider, **kwargs) -> None:
        adapter = ItemAdapter(item)
        key = (adapter.get("outlet"), adapter.get("code"))
        if self.in_flight.get(key) == id(item):
            del self.in_flight[key]

    def item_failed(self, item, response, spider, failure) -> None:
        """A later pipeline raised: the article is not written, and the crawl had an error."""
        self.crawler.stats.inc_value("item/errors")
        self.item_not_written(item, response, spider)
