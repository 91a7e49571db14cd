"""CDXJ indexes of WARC files: where each response record is, without reading the WARC.

A replay needs, for every saved response, its URL, status and where its record lies
(offset and length in the file). Scanning a WARC for them reads and gunzips every record
(~1 ms each); a CDXJ index, the web archives' standard one (as pywb and OutbackCDX read
it), has them one line per record. It is written by webrecorder's ``cdxj-indexer``, next
to the WARC as ``<file>.cdxj``: by ``-a record=`` when its crawl closes, else by the first
replay of a WARC that has none (or an older one), while any other process replaying the
same WARC waits for it (an exclusive ``flock`` on the WARC), so a WARC replayed by four
processes at once is indexed once. Where it cannot be written (a read-only directory) the
replay scans the WARC, as before.

Lines are kept in the indexer's order, the order of the records in the file (it is run
unsorted): of several captures of a URL, a later one wins (see ``ReplayIndex``).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

try:
    import fcntl
except ImportError:  # not POSIX: no locking, the index is written by whoever comes first
    fcntl = None

logger = logging.getLogger(__name__)

INDEX_SUFFIX = ".cdxj"


class IndexEntry(NamedTuple):
    """One response record as a CDXJ line gives it."""

    url: str
    status: int
    offset: int
    length: int | None  # of the record as stored (its gzip member)


def index_path(warc: Path) -> Path:
    return warc.with_name(warc.name + INDEX_SUFFIX)


def is_fresh(warc: Path, index: Path) -> bool:
    """Whether ``index`` exists and was written after ``warc`` last changed."""
    try:
        return index.stat().st_mtime_ns >= warc.stat().st_mtime_ns
    except FileNotFoundError:
        return False


def write_index(warc: Path) -> Path:
    """Index the response records of ``warc`` into ``<warc>.cdxj`` (replaced atomically)."""
    # Imported here: only a recording or the first replay of a WARC indexes one.
    from cdxj_indexer.main import CDXJIndexer

    index = index_path(warc)
    partial = index.with_name(f"{index.name}.{os.getpid()}.partial")
    try:
        CDXJIndexer(output=str(partial), inputs=[str(warc)], records="response").process_all()
        os.replace(partial, index)
    finally:
        partial.unlink(missing_ok=True)
    return index


def ensure_index(warc: Path) -> Path | None:
    """The fresh CDXJ index of ``warc``, written now if missing or older than the WARC;
    None when it cannot be written (the caller then scans the WARC)."""
    index = index_path(warc)
    if is_fresh(warc, index):
        return index
    try:
        with warc.open("rb") as held:
            if fcntl is not None:
                # Another process indexing the same WARC finishes first; then it is fresh.
                fcntl.flock(held.fileno(), fcntl.LOCK_EX)
            if not is_fresh(warc, index):
                logger.info("Indexing %s into %s", warc, index)
                write_index(warc)
    except Exception as error:  # an unwritable directory, a record the indexer cannot read...
        # The scan of the WARC then runs as without an index, and reports what it finds.
        logger.info("No CDXJ index for %s (%s): reading the WARC itself", warc, error)
        return None
    return index


def read_index(index: Path) -> Iterator[IndexEntry]:
    """The response records a CDXJ index lists (``<surt> <timestamp> <json>`` lines), in its
    order; lines without a status or offset (revisits, resources) are left out."""
    with index.open(encoding="utf-8") as lines:
        for line in lines:
            fields = line.split(" ", 2)
            if len(fields) < 3 or line.startswith("!"):  # "!meta" header lines
                continue
            block = json.loads(fields[2])
            status, offset = block.get("status"), block.get("offset")
            if (
                not str(status or "").isdigit()
                or offset is None
                or block.get("mime") == "warc/revisit"
            ):
                continue
            length = block.get("length")
            yield IndexEntry(
                block["url"], int(status), int(offset), int(length) if length else None
            )
