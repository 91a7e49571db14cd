"""Write each article's seed-format document to ``<NEWSCRAWL_TEXT_DIR>/<outlet>/<code>.txt``.

Written atomically (temporary file in the same directory, then rename), so a reader or a
crash never sees half a document. A write that fails (a full disk, a read-only directory)
leaves no temporary file and stops the crawl (``newscrawl.state.CrawlState.fail``): the
article is not recorded as seen and is fetched again by the next run.

Revisions are kept: before revision N of an article replaces ``<code>.txt``, the file (then
revision N-1) is kept as ``<code>.r<N-1>.txt`` (a hard link, or a copy where links are not
supported), unless that file exists already (an earlier attempt at revision N that was not
recorded as seen: ``<code>.txt`` holds that attempt, not revision N-1).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newscrawl.durable import write_atomically
from newscrawl.manifest import previous_revision_file
from newscrawl.state import FILE_MODE, CrawlState

logger = logging.getLogger(__name__)

# Both parts become path components: only plain names and digits ever reach the disk.
_SAFE_OUTLET = re.compile(r"[a-z][a-z0-9_]{0,31}")
_SAFE_CODE = re.compile(r"[0-9]{1,20}")


def text_path(root: Path, outlet: str, code: str) -> Path:
    """Where an article's document goes; refuses anything that is not a plain name/code."""
    if not _SAFE_OUTLET.fullmatch(outlet) or not _SAFE_CODE.fullmatch(code):
        raise ValueError(f"unsafe outlet/code for a file name: {outlet!r}/{code!r}")
    return root / outlet / f"{code}.txt"


def write_text_file(path: Path, text: str) -> None:
    data = [text.encode("utf-8")]
    try:
        write_atomically(path, data, FILE_MODE)
    except FileNotFoundError:  # the outlet's directory, made once (a check per file costs)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, data, FILE_MODE)


def keep_previous_revision(path: Path, revision: int) -> Path | None:
    """Keep the revision that revision ``revision`` is about to replace at ``path``."""
    if revision < 2 or not path.exists():
        return None
    previous = Path(previous_revision_file(str(path), revision))
    if previous.exists():
        return None
    try:
        os.link(path, previous)
    except OSError:  # no hard links on this filesystem
        shutil.copy2(path, previous)
    return previous


class TextFilePipeline:
    def __init__(self, crawler: Crawler, root: Path) -> None:
        self.crawler = crawler
        self.root = root

    @property
    def state(self) -> CrawlState:
        """Opened after the pipelines (newscrawl.state.CrawlStateExtension), hence read here."""
        return CrawlState.of(self.crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TextFilePipeline:
        root = Path(crawler.settings.get("NEWSCRAWL_TEXT_DIR"))
        return cls(crawler, root)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        try:
            path = text_path(self.root, adapter["outlet"], adapter["code"])
        except ValueError as error:
            self.crawler.stats.inc_value("text_files/unsafe_name")
            raise DropItem(str(error)) from error
        try:
            kept = keep_previous_revision(path, adapter.get("revision") or 1)
            write_text_file(path, adapter["text"])
        except OSError as error:
            self.state.fail(f"text file {path}", error)
            raise DropItem(f"{path} not written: {error}", log_level="DEBUG") from error
        # Fsynced in batches, before the articles are recorded as seen.
        self.state.outputs.written(path)
        if kept is not None:
            self.state.outputs.written(kept)
        self.crawler.stats.inc_value("text_files/written")
        return item
