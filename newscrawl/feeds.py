"""Feed storage for local JSON-lines files that a crash cannot leave with a half-written line.

Scrapy's ``FileFeedStorage`` opens files buffered: a killed crawl loses the buffer and may
cut a line in two. This storage opens them unbuffered, so each exported item (one line) goes
to the file in a single ``write`` call, and records the file in the run journal (see
``newscrawl.state``) so that a run after a crash knows what this one emitted.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.extensions.feedexport import FileFeedStorage

from newscrawl.state import crawl_state


class LineAtomicFileFeedStorage(FileFeedStorage):
    def __init__(
        self,
        uri: str,
        *,
        feed_options: dict[str, Any] | None = None,
        crawler: Crawler | None = None,
    ) -> None:
        super().__init__(uri, feed_options=feed_options)
        self.crawler = crawler

    @classmethod
    def from_crawler(
        cls, crawler: Crawler, uri: str, *, feed_options: dict[str, Any] | None = None
    ) -> LineAtomicFileFeedStorage:
        return cls(uri, feed_options=feed_options, crawler=crawler)

    def open(self, spider: Spider) -> IO[bytes]:
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open(self.write_mode, buffering=0)
        if self.crawler is not None:
            state = crawl_state(self.crawler)
            state.add_feed(path)
            state.outputs.open_files.append(handle)
        return handle
