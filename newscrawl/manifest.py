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
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

MANIFEST_VERSION = 1
_NAME = re.compile(r"(?P<sequence>[0-9]{10})-.+\.json")


@dataclass
class ManifestEntry:
    """One article a run wrote."""

    outlet: str
    code: str
    revision: int
    text_file: str
    json_lines: list[dict] = field(default_factory=list)  # {"file": path, "offset": bytes}


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


def build_manifest(
    run: str,
    spider: str,
    started: float,
    finished: float | None,
    entries: list[ManifestEntry],
    output_failed: str | None = None,
) -> dict:
    outlets: dict[str, dict] = {}
    for entry in entries:
        outlet = outlets.setdefault(entry.outlet, {"new": [], "revised": [], "json_line_files": []})
        article = {k: v for k, v in asdict(entry).items() if k != "outlet"}
        if entry.revision > 1:
            article["previous_text_file"] = previous_revision_file(entry.text_file, entry.revision)
        outlet["revised" if entry.revision > 1 else "new"].append(article)
        for line in entry.json_lines:
            if line["file"] not in outlet["json_line_files"]:
                outlet["json_line_files"].append(line["file"])
    return {
        "manifest_version": MANIFEST_VERSION,
        "run": run,
        "spider": spider,
        "started": utc_iso(started),
        "finished": utc_iso(finished),
        "interrupted": finished is None,
        "output_failed": output_failed,
        "outlets": outlets,
    }


def write_manifest(directory: Path, manifest: dict, file_mode: int = 0o644) -> Path:
    """Write ``manifest`` atomically as the next manifest of ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    data = (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    directory_fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(directory_fd, fcntl.LOCK_EX)  # one writer at a time: numbers in order
        sequence = 1 + max((s for _, s in _manifest_names(directory)), default=0)
        path = directory / f"{sequence:010d}-{manifest['run']}.json"
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".manifest.", suffix=".tmp")
        try:
            try:
                os.fchmod(fd, file_mode)
                view = memoryview(data)
                while view:  # os.write may write part of it (newscrawl.state.write_all)
                    written = os.write(fd, view)
                    if written <= 0:
                        raise OSError(28, "No space left on device (nothing written)")
                    view = view[written:]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
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


def manifests_after(directory: Path, last: str | None = None) -> Iterator[tuple[str, dict]]:
    """The manifests written after the one named ``last`` (all when None), in order: what
    an ingestion tool reads each time, remembering the last name it processed."""
    if not directory.is_dir():
        return
    for name in sorted(name for name, _ in _manifest_names(directory)):
        if last is None or name > last:
            yield name, json.loads((directory / name).read_text(encoding="utf-8"))
