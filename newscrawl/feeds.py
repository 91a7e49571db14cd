"""Feed storage for local JSON-lines files that a crash cannot leave with a half-written line.

Scrapy's ``FileFeedStorage`` opens files buffered: a killed crawl loses the buffer and may
cut a line in two. This storage opens them unbuffered, so each exported item (one line) goes
to the file in a single ``write`` call, and records the file in the run journal (see
``newscrawl.state``) so that a run after a crash knows what this one emitted.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from scrapy import Spider
from scrapy.extensions.feedexport import FileFeedStorage

from newscrawl.state import crawl_state


class LineAtomicFileFeedStorage(FileFeedStorage):
    def open(self, spider: Spider) -> IO[bytes]:
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open(self.write_mode, buffering=0)
        state = crawl_state(spider.crawler)
        state.add_feed(path)
        state.outputs.open_files.append(handle)
        return handle
