"""Write each article's seed-format document to ``<NEWSCRAWL_TEXT_DIR>/<outlet>/<code>.txt``.

Written atomically (temporary file in the same directory, then rename), so a reader or a
crash never sees half a document.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from pathlib import Path

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newscrawl.state import DurableOutputs, crawl_state

logger = logging.getLogger(__name__)

# Both parts become path components: only plain names and digits ever reach the disk.
_SAFE_OUTLET = re.compile(r"[a-z][a-z0-9_]{0,31}")
_SAFE_CODE = re.compile(r"[0-9]{1,20}")


def text_path(root: Path, outlet: str, code: str) -> Path:
    """Where an article's document goes; refuses anything that is not a plain name/code."""
    if not _SAFE_OUTLET.fullmatch(outlet) or not _SAFE_CODE.fullmatch(code):
        raise ValueError(f"unsafe outlet/code for a file name: {outlet!r}/{code!r}")
    return root / outlet / f"{code}.txt"


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class TextFilePipeline:
    def __init__(self, crawler: Crawler, root: Path, outputs: DurableOutputs) -> None:
        self.crawler = crawler
        self.root = root
        self.outputs = outputs  # fsynced in batches before articles are recorded as seen

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TextFilePipeline:
        root = Path(crawler.settings.get("NEWSCRAWL_TEXT_DIR"))
        return cls(crawler, root, crawl_state(crawler).outputs)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        try:
            path = text_path(self.root, adapter["outlet"], adapter["code"])
        except ValueError as error:
            self.crawler.stats.inc_value("text_files/unsafe_name")
            raise DropItem(str(error)) from error
        write_atomically(path, adapter["text"])
        self.outputs.written(path)
        self.crawler.stats.inc_value("text_files/written")
        return item
