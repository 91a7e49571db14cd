"""Run manifests: what each run wrote, for an ingestion tool to follow.

At the end of a run that wrote articles, one JSON file goes to ``NEWSCRAWL_MANIFEST_DIR``:
the run's id, start and end, and per outlet its new and revised articles, each with its
revision, its text file and where its JSON line is (file and byte offset), and the JSON-lines
files the run wrote. It lists exactly the articles the run recorded as seen, so reading every
manifest gives every article once.

Manifests are written atomically (temporary file, fsync, rename) under a lock, named
``<sequence>-<run id>.json`` with a sequence number one higher than any manifest already
there: in name order they appear in the order they were written, and a tool that remembers
the last name it processed reads those that sort after it (``manifests_after``).

A run killed before its end writes none; the next run recovers it (``newscrawl.state``) and
writes its manifest from its feed files, marked ``"interrupted": true``.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from newscrawl.durable import write_all, write_atomically

MANIFEST_VERSION = 1
_NAME = re.compile(r"(?P<sequence>[0-9]{10})-.+\.json")


@dataclass(slots=True)
class ManifestEntry:
    """One article a run wrote."""

    outlet: str
    code: str
    revision: int
    text_dir: str
    json_lines: tuple[tuple[str, int], ...] = ()  # (feed file, byte offset of the line)

    @property
    def text_file(self) -> str:
        """The article's text file, as pipelines/text_files.py names it."""
        return f"{self.text_dir}{os.sep}{self.outlet}{os.sep}{self.code}.txt"


class SpooledEntries:
    """A run's manifest entries, appended to an anonymous temporary file in the manifest
    directory as the run commits them, and read back (as often as needed) when its manifest
    is written: a run of 50,000 articles would otherwise hold ~0.3 KB an article until its
    end. Read at explicit offsets (``pread``): a reader shares no file position with the
    appends."""

    _READ = 1 << 20

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._file = tempfile.TemporaryFile(dir=directory, prefix=".spool-", buffering=0)  # noqa: SIM115 (closed by close())
        self._size = 0  # bytes of whole entries
        self._count = 0

    def extend(self, entries: Iterable[ManifestEntry]) -> None:
        """Append ``entries``, whole or not at all (a failed write is cut off again)."""
        lines = [
            json.dumps([e.outlet, e.code, e.revision, e.text_dir, e.json_lines]) for e in entries
        ]
        if not lines:
            return
        data = ("\n".join(lines) + "\n").encode("ascii")
        fd = self._file.fileno()
        try:
            # Only appends move the file's position (reads are at explicit offsets).
            os.lseek(fd, self._size, os.SEEK_SET)
            write_all(fd, data)
        except OSError:
            os.ftruncate(fd, self._size)  # no partial line for the next append to follow
            raise
        self._size += len(data)
        self._count += len(lines)

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[ManifestEntry]:
        fd, offset, rest = self._file.fileno(), 0, b""
        while offset < self._size:
            chunk = os.pread(fd, min(self._READ, self._size - offset), offset)
            offset += len(chunk)
            *lines, rest = (rest + chunk).split(b"\n")
            for line in lines:
                outlet, code, revision, text_dir, json_lines = json.loads(line)
                yield ManifestEntry(
                    outlet, code, revision, text_dir, tuple((f, o) for f, o in json_lines)
                )

    def close(self) -> None:
        self._file.close()


def utc_iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def run_id(spider: str, started: float, number: int | str) -> str:
    stamp = datetime.fromtimestamp(started, UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{spider}-{number}"


def previous_revision_file(text_file: str, revision: int) -> str:
    """Where revision ``revision - 1`` of the article is kept once ``revision`` is out."""
    path = Path(text_file)
    return str(path.with_name(f"{path.stem}.r{revision - 1}{path.suffix}"))


@dataclass
class Manifest:
    """A run manifest; written as a stream (``chunks``), one article a line, so that a run of
    many articles never holds its manifest as one document in memory."""

    run: str
    spider: str
    started: float
    finished: float | None
    entries: Iterable[ManifestEntry]  # iterated once per outlet and kind
    output_failed: str | None = None

    def chunks(self) -> Iterator[str]:
        header = {
            "manifest_version": MANIFEST_VERSION,
            "run": self.run,
            "spider": self.spider,
            "started": utc_iso(self.started),
            "finished": utc_iso(self.finished),
            "interrupted": self.finished is None,
            "output_failed": self.output_failed,
        }
        yield json.dumps(header, ensure_ascii=False)[:-1] + ', "outlets": {'
        # The feed files of each outlet, outlets and files in the order they first appear.
        files_of: dict[str, dict[str, None]] = {}
        for entry in self.entries:
            files = files_of.setdefault(entry.outlet, {})
            for feed, _ in entry.json_lines:
                files[feed] = None
        for number, (outlet, files) in enumerate(files_of.items()):
            yield (
                f"{',' if number else ''}\n {json.dumps(outlet)}: "
                f'{{"json_line_files": {json.dumps(list(files), ensure_ascii=False)}'
            )
            for kind, revised in (("new", False), ("revised", True)):
                yield f', "{kind}": ['
                separator = "\n  "
                for entry in self.entries:
                    if entry.outlet == outlet and (entry.revision > 1) == revised:
                        yield separator + json.dumps(_article(entry), ensure_ascii=False)
                        separator = ",\n  "
                yield "\n ]"
            yield "}"
        yield "\n}}\n"


def _article(entry: ManifestEntry) -> dict:
    article = {"code": entry.code, "revision": entry.revision, "text_file": entry.text_file}
    if entry.revision > 1:
        article["previous_text_file"] = previous_revision_file(entry.text_file, entry.revision)
    article["json_lines"] = [{"file": feed, "offset": offset} for feed, offset in entry.json_lines]
    return article


def build_manifest(
    run: str,
    spider: str,
    started: float,
    finished: float | None,
    entries: Iterable[ManifestEntry],
    output_failed: str | None = None,
) -> Manifest:
    return Manifest(run, spider, started, finished, entries, output_failed)


def _encoded(chunks: Iterator[str]) -> Iterator[bytes]:
    """The manifest's text as bytes, in buffers of 64 KB or more (few writes, little held)."""
    buffer = bytearray()
    for chunk in chunks:
        buffer += chunk.encode("utf-8")
        if len(buffer) >= 1 << 16:
            yield bytes(buffer)
            buffer.clear()
    yield bytes(buffer)


def write_manifest(directory: Path, manifest: Manifest, file_mode: int = 0o644) -> Path:
    """Write ``manifest`` atomically as the next manifest of ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    directory_fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(directory_fd, fcntl.LOCK_EX)  # one writer at a time: numbers in order
        sequence = 1 + max((s for _, s in _manifest_names(directory)), default=0)
        path = directory / f"{sequence:010d}-{manifest.run}.json"
        write_atomically(path, _encoded(manifest.chunks()), file_mode, fsync=True)
        os.fsync(directory_fd)  # the rename
    finally:
        os.close(directory_fd)  # and the lock with it
    return path


def _manifest_names(directory: Path) -> Iterator[tuple[str, int]]:
    with os.scandir(directory) as entries:
        for entry in entries:
            match = _NAME.fullmatch(entry.name)
            if match:
                yield entry.name, int(match["sequence"])


def manifest_written(directory: Path, run: str) -> bool:
    """Whether the manifest of ``run`` is in ``directory`` already (a run that wrote it and
    was killed before its journal recorded the end: its recovery must not list it again)."""
    if not directory.is_dir():
        return False
    return any(
        name == f"{sequence:010d}-{run}.json" for name, sequence in _manifest_names(directory)
    )


def manifests_after(directory: Path, last: str | None = None) -> Iterator[tuple[str, dict]]:
    """The manifests written after the one named ``last`` (all when None), in order: what
    an ingestion tool reads each time, remembering the last name it processed."""
    if not directory.is_dir():
        return
    for name in sorted(name for name, _ in _manifest_names(directory)):
        if last is None or name > last:
            yield name, json.loads((directory / name).read_text(encoding="utf-8"))
