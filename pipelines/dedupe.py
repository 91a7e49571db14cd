"""Drop an article that was already emitted: one item per (outlet, code)."""

from __future__ import annotations

import hashlib
import logging

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newscrawl.seen import MemorySeenStore, SeenStore

logger = logging.getLogger(__name__)


def content_hash(item: ItemAdapter) -> str:
    """Hash of what a reader sees of the article (the document), not of fetch metadata."""
    return hashlib.sha256(item["text"].encode("utf-8")).hexdigest()


class DedupePipeline:
    def __init__(self, crawler: Crawler, store: SeenStore) -> None:
        self.crawler = crawler
        self.store = store

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler, MemorySeenStore())

    def process_item(self, item):
        adapter = ItemAdapter(item)
        key = (adapter["outlet"], adapter["code"])
        if self.store.has(key):
            self.crawler.stats.inc_value("dedupe/duplicate")
            raise DropItem(f"duplicate article {key[0]}/{key[1]} ({adapter['url']})")
        self.store.add(key, content_hash(adapter))
        return item

    def close_spider(self) -> None:
        self.store.close()
