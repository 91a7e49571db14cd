"""Feed storage for local JSON-lines files that never hold a partial line.

Scrapy's ``FileFeedStorage`` opens files buffered: a killed crawl loses the buffer and may
cut a line in two, and a full disk leaves the part of a line that fitted. This storage
writes each exported item (one line) with its own ``write`` calls, straight to the file; a
write that fails is cut off again (the file is truncated to where the line began) and stops
the crawl (``newscrawl.state.CrawlState.fail``). A file appended to is first rid of a
cut-off last line left by an earlier run. Each file is recorded in the run journal (see
``newscrawl.state``), so that a run after a crash knows what this one emitted.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

from scrapy import Spider
from scrapy.extensions.feedexport import FileFeedStorage

from newscrawl.durable import write_all
from newscrawl.state import CrawlState, trim_partial_line


class LineAtomicFile(io.RawIOBase):
    """An unbuffered feed file where every ``write`` (one exported line) is all or nothing.

    ``size`` is where the next line begins, ``committed_size`` the size at the last commit
    of the seen-store, to which ``roll_back`` truncates."""

    def __init__(self, path: Path, append: bool, state: CrawlState) -> None:
        super().__init__()
        self.path = path
        self.resolved = str(path.resolve())  # as run manifests name it
        self.state = state
        if append and path.exists():
            trim_partial_line(path)
        flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
        self.fd = os.open(path, flags, 0o666)
        self.size = self.committed_size = os.fstat(self.fd).st_size

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.fd

    def write(self, data) -> int:
        if not self.state.writable:
            return 0  # the crawl stopped writing: nothing more reaches the files
        data = bytes(data)
        try:
            write_all(self.fd, data)
        except OSError as error:
            # If this fails too, the rollback tries again, else the next run's start-up trims.
            with contextlib.suppress(OSError):
                self._truncate(self.size)
            self.state.fail(f"feed {self.path}", error)
            return 0
        self.state.pending_lines.append((self.resolved, self.size))
        self.size += len(data)
        return len(data)

    def _truncate(self, size: int) -> None:
        os.ftruncate(self.fd, size)
        self.size = size

    def mark_committed(self) -> None:
        self.committed_size = self.size

    def roll_back(self) -> None:
        if not self.closed and self.size != self.committed_size:
            self._truncate(self.committed_size)

    def close(self) -> None:
        if not self.closed:
            os.close(self.fd)
        super().close()


class RefusedFile(io.RawIOBase):
    """Stands for a feed file that could not be opened (the crawl is stopping)."""

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        return 0


class LineAtomicFileFeedStorage(FileFeedStorage):
    def open(self, spider: Spider) -> io.RawIOBase:
        path = Path(self.path)
        state = CrawlState.of(spider.crawler)
        if not state.writable:  # refused to start, or stopped writing
            return RefusedFile()
        handle = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = LineAtomicFile(path, "a" in self.write_mode, state)
            state.add_feed(path, handle.size)
        except state.write_errors as error:
            if handle is not None:
                handle.close()
            state.fail(f"feed {path}", error)
            return RefusedFile()
        state.outputs.open_files.append(handle)
        return handle
