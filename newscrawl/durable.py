"""Writes that are whole or not at all: every byte of a buffer, and files replaced
atomically (written beside their place, then renamed over it), shared by the feed storage,
the text files and the run manifests."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


def write_all(fd: int, data: bytes | bytearray) -> None:
    """Write every byte of ``data``: ``os.write`` may write only part of it (a disk filling
    up writes what fits, then fails)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(28, "No space left on device (nothing written)")
        view = view[written:]


def write_atomically(
    path: Path, chunks: Iterable[bytes], mode: int, *, fsync: bool = False
) -> None:
    """Put ``chunks`` at ``path`` whole or not at all (a temporary file in the same
    directory, renamed over ``path``; removed if anything fails). With ``fsync`` the data
    is on disk before the rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        try:
            os.fchmod(fd, mode)
            for chunk in chunks:
                write_all(fd, chunk)
            if fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
