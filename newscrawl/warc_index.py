"""CDXJ indexes of WARC files: where each response record is, without reading the WARC.

A replay needs, for every saved response, its URL, status and where its record lies
(offset and length in the file). Scanning a WARC for them reads and gunzips every record
(~1 ms each); a CDXJ index, the web archives' standard one (as pywb and OutbackCDX read
it), has them one line per record. It is written by webrecorder's ``cdxj-indexer``, next
to the WARC as ``<file>.cdxj``: by ``-a record=`` when its crawl closes, else by the first
replay of a WARC that has none (or an older one), while any other process replaying the
same WARC waits for it (an exclusive ``flock`` on the WARC, which a recording holds too
when it writes the index), so a WARC replayed by four processes at once is indexed once.
Where it cannot be written (a read-only directory) the replay scans the WARC, as before.

Lines are sorted by their SURT key, as the indexer's ``--sort`` writes them and pywb reads
them, so a replay can find a URL's captures by binary search (``SortedIndex``) instead of
loading every line at start. An index an older version left in record order is sorted
when first replayed (read as it is where it cannot be: a read-only directory). The line
order says nothing about which of several captures of a URL is later: their offsets do
(see ``ReplayIndex``).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from newscrawl.durable import write_atomically

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
    """Index the response records of ``warc`` into ``<warc>.cdxj`` (replaced atomically),
    sorted by SURT key."""
    # Imported here: only a recording or the first replay of a WARC indexes one.
    from cdxj_indexer.main import CDXJIndexer

    index = index_path(warc)
    partial = index.with_name(f"{index.name}.{os.getpid()}.partial")
    try:
        CDXJIndexer(
            output=str(partial), inputs=[str(warc)], records="response", sort=True
        ).process_all()
        os.replace(partial, index)
    finally:
        partial.unlink(missing_ok=True)
    return index


def count_sorted_lines(index: Path) -> int | None:
    """The number of lines of ``index`` if they are in sorted order, else None (one pass,
    line by line: an index of 50,000 records is ~30 MB)."""
    previous = b""
    count = 0
    with index.open("rb") as lines:
        for line in lines:
            line = line.rstrip(b"\n")
            if line < previous:
                return None
            previous = line
            count += 1
    return count


def sort_index(index: Path) -> None:
    """Sort the lines of an index written in record order (as cdxj-indexer's ``--sort``)."""
    lines = sorted(index.read_bytes().splitlines(keepends=False))
    write_atomically(index, [b"\n".join(lines) + b"\n"], 0o644)


def ensure_index(warc: Path) -> Path | None:
    """The fresh CDXJ index of ``warc``, written now if missing or older than the WARC,
    sorted if an older version wrote it in record order (where it cannot be, a read-only
    directory, it is read as it is: loading every line needs no order); None when none
    can be written (the caller then scans the WARC)."""
    prepared = prepared_index(warc)
    return prepared[0] if prepared is not None else None


@contextmanager
def locked(warc: Path) -> Iterator[None]:
    """Hold the exclusive lock on ``warc`` under which its index is written or sorted."""
    with warc.open("rb") as held:
        if fcntl is not None:
            fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        yield


def prepared_index(warc: Path) -> tuple[Path, int | None] | None:
    """(the index ``ensure_index`` gives, its number of lines if sorted, else None), or
    None."""
    index = index_path(warc)
    if is_fresh(warc, index) and (lines := count_sorted_lines(index)) is not None:
        return index, lines
    try:
        # Another process indexing the same WARC finishes first; then it is fresh.
        with locked(warc):
            if not is_fresh(warc, index):
                logger.info("Indexing %s into %s", warc, index)
                write_index(warc)
            elif count_sorted_lines(index) is None:
                logger.info("Sorting %s (written in record order)", index)
                sort_index(index)
    except Exception as error:  # an unwritable directory, a record the indexer cannot read...
        if is_fresh(warc, index):
            logger.info("Could not sort %s (%s): read as it is", index, error)
            return index, None
        # The scan of the WARC then runs as without an index, and reports what it finds.
        logger.info("No CDXJ index for %s (%s): reading the WARC itself", warc, error)
        return None
    return index, count_sorted_lines(index)


def _entry(line: str) -> IndexEntry | None:
    """The response record of a CDXJ line (``<surt> <timestamp> <json>``); None for what is
    not one: "!meta" header lines, revisits, resources, lines without status or offset."""
    fields = line.split(" ", 2)
    if len(fields) < 3 or line.startswith("!"):
        return None
    block = json.loads(fields[2])
    status, offset = block.get("status"), block.get("offset")
    if not str(status or "").isdigit() or offset is None or block.get("mime") == "warc/revisit":
        return None
    length = block.get("length")
    return IndexEntry(block["url"], int(status), int(offset), int(length) if length else None)


def read_index(index: Path) -> Iterator[IndexEntry]:
    """The response records a CDXJ index lists, in its order."""
    with index.open(encoding="utf-8") as lines:
        for line in lines:
            entry = _entry(line)
            if entry is not None:
                yield entry


class SortedIndex:
    """A sorted CDXJ index searched in place, a key at a time: a replay of a few pages of a
    large archive reads the lines of those pages, not all of them. Read by ``os.pread``,
    not mapped: the pages of a mapped 35 MB index (50,000 records) that the searches touch
    would stay in the process's resident memory."""

    # Bytes read at a probe of the binary search (a line is ~0.3-1 KB), and the range below
    # which the rest is read in one go: a lookup in a 50,000-record index costs ~40 µs so,
    # ~100 µs with 64 KB read at the end.
    _PROBE = 2048
    _SCAN = 4096

    def __init__(self, index: Path):
        self._fd = os.open(index, os.O_RDONLY)
        self._size = os.fstat(self._fd).st_size

    def find(self, key: str) -> list[IndexEntry]:
        """The response records under SURT ``key``, in the file's order."""
        target = key.encode("utf-8")
        # Every line before ``low`` (a line start) has a smaller key; probes narrow the
        # range to one read.
        low, high = 0, self._size
        while high - low > self._SCAN:
            middle = (low + high) // 2
            line_start, line = self._line_after(middle)
            if line is None or line.split(b" ", 1)[0] >= target:
                high = middle
            else:
                low = line_start + len(line) + 1
        return [entry for line in self._lines_from(low, target) if (entry := _entry(line))]

    def _line_after(self, position: int) -> tuple[int, bytes | None]:
        """The first whole line starting after ``position``, and where it starts."""
        block = os.pread(self._fd, self._PROBE, position)
        # Up to the end of the line at ``position`` and of the next one, or of the file.
        while block.count(b"\n") < 2 and position + len(block) < self._size:
            more = os.pread(self._fd, self._PROBE, position + len(block))
            if not more:
                break
            block += more
        newline = block.find(b"\n")
        start = position + newline + 1
        if newline < 0 or start >= self._size:
            return self._size, None
        return start, block[newline + 1 :].split(b"\n", 1)[0] or None

    def _lines_from(self, position: int, target: bytes) -> Iterator[str]:
        """The lines from ``position`` on whose key is ``target`` (skipping smaller ones)."""
        rest = b""
        while position < self._size:
            block = os.pread(self._fd, self._SCAN, position)
            position += len(block)
            *lines, rest = (rest + block).split(b"\n")
            for line in lines:
                line_key = line.split(b" ", 1)[0]
                if line_key > target:
                    return
                if line_key == target:
                    yield line.decode("utf-8")
        if rest and rest.split(b" ", 1)[0] == target:
            yield rest.decode("utf-8")

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
