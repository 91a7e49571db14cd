"""The "have I seen this article?" store: one record per (outlet, article code).

Each record holds a hash of the article's content, its revision (1 when first emitted,
+1 each time a refresh finds the content changed), and first/last-seen times.

``SQLiteSeenStore`` is the embedded default (setting ``NEWSCRAWL_STATE``, a file);
``MemorySeenStore`` remembers within one run. Any other backend implements ``SeenStore``
(``StagedSeenStore`` gives it the staging).
Writes are buffered by the caller's rhythm: ``record()`` stages, ``commit()`` makes durable;
``get()`` sees staged records too.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

ArticleKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class SeenRecord:
    content_hash: str
    revision: int
    first_seen: float
    last_seen: float


class SeenStore(Protocol):
    write_errors: tuple[type[BaseException], ...]  # what a failed commit raises

    def get(self, key: ArticleKey) -> SeenRecord | None:
        """The record of an article already emitted, or None."""

    def get_many(self, keys: Iterable[ArticleKey]) -> dict[ArticleKey, SeenRecord]:
        """Records of those of ``keys`` that are known (one round trip)."""

    def record(self, key: ArticleKey, content_hash: str) -> SeenRecord:
        """Stage the article as emitted with this content: a new record (revision 1), a
        new revision when the hash changed, or only a fresher last-seen time."""

    def commit(self) -> None:
        """Make every staged record durable; on one of ``write_errors`` nothing was."""

    def discard_staged(self) -> None:
        """Forget the staged records (their articles were not written after all)."""

    def close(self) -> None:
        """Commit and release resources."""


def _next_record(previous: SeenRecord | None, content_hash: str, now: float) -> SeenRecord:
    if previous is None:
        return SeenRecord(content_hash, 1, now, now)
    revision = previous.revision + (previous.content_hash != content_hash)
    return SeenRecord(content_hash, revision, previous.first_seen, now)


class StagedSeenStore:
    """What every backend shares: ``record()`` stages, ``commit()`` writes the staged records
    in one go, and lookups see staged records over the backend's. A backend supplies
    ``_load``, ``_load_many`` and ``_write``, and names the exceptions a failed write raises
    (``write_errors``: the crawl then stops, see ``newscrawl.state``)."""

    write_errors: tuple[type[BaseException], ...] = (OSError,)

    def __init__(self) -> None:
        self._staged: dict[ArticleKey, SeenRecord] = {}

    def get(self, key: ArticleKey) -> SeenRecord | None:
        staged = self._staged.get(key)
        return staged if staged is not None else self._load(key)

    def get_many(self, keys: Iterable[ArticleKey]) -> dict[ArticleKey, SeenRecord]:
        keys = list(dict.fromkeys(keys))
        found = self._load_many([k for k in keys if k not in self._staged]) if keys else {}
        found.update({k: self._staged[k] for k in keys if k in self._staged})
        return found

    def record(self, key: ArticleKey, content_hash: str) -> SeenRecord:
        new = _next_record(self.get(key), content_hash, time.time())
        self._staged[key] = new
        return new

    def commit(self) -> None:
        if self._staged:
            self._write(self._staged)
            self._staged.clear()

    def discard_staged(self) -> None:
        self._staged.clear()

    def close(self) -> None:
        self.commit()

    def _load(self, key: ArticleKey) -> SeenRecord | None:
        raise NotImplementedError

    def _load_many(self, keys: list[ArticleKey]) -> dict[ArticleKey, SeenRecord]:
        raise NotImplementedError

    def _write(self, records: dict[ArticleKey, SeenRecord]) -> None:
        raise NotImplementedError


class MemorySeenStore(StagedSeenStore):
    """Seen articles of the current run only."""

    def __init__(self) -> None:
        super().__init__()
        self._records: dict[ArticleKey, SeenRecord] = {}

    def _load(self, key: ArticleKey) -> SeenRecord | None:
        return self._records.get(key)

    def _load_many(self, keys: list[ArticleKey]) -> dict[ArticleKey, SeenRecord]:
        return {k: r for k in keys if (r := self._records.get(k)) is not None}

    def _write(self, records: dict[ArticleKey, SeenRecord]) -> None:
        self._records.update(records)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    outlet TEXT NOT NULL,
    code TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    revision INTEGER NOT NULL,
    first_seen REAL NOT NULL,
    last_seen REAL NOT NULL,
    PRIMARY KEY (outlet, code)
) WITHOUT ROWID;
"""


def connect_sqlite(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode with WAL journaling: several crawls (``crawlall``,
    cron overlaps) share the file; each write is a short explicit transaction."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, isolation_level=None, timeout=30)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")  # a commit survives power loss too
    return connection


class SQLiteSeenStore(StagedSeenStore):
    """Seen articles in a SQLite file, across runs."""

    # A full disk is "database or disk is full" (sqlite3.OperationalError).
    write_errors = (sqlite3.Error, OSError)

    def __init__(self, path: Path | str) -> None:
        super().__init__()
        self._db = connect_sqlite(Path(path))
        self._db.executescript(_SCHEMA)

    def _load(self, key: ArticleKey) -> SeenRecord | None:
        row = self._db.execute(
            "SELECT content_hash, revision, first_seen, last_seen FROM articles"
            " WHERE outlet = ? AND code = ?",
            key,
        ).fetchone()
        return SeenRecord(*row) if row else None

    def _load_many(self, keys: list[ArticleKey]) -> dict[ArticleKey, SeenRecord]:
        """One query per chunk: the keys as a VALUES table joined on the primary key (an
        ``IN (VALUES ...)`` of pairs would scan the table)."""
        found: dict[ArticleKey, SeenRecord] = {}
        for start in range(0, len(keys), _LOAD_CHUNK):
            chunk = keys[start : start + _LOAD_CHUNK]
            values = ", ".join("(?, ?)" for _ in chunk)
            rows = self._db.execute(
                f"WITH k(outlet, code) AS (VALUES {values})"
                " SELECT a.outlet, a.code, content_hash, revision, first_seen, last_seen"
                " FROM k JOIN articles a ON a.outlet = k.outlet AND a.code = k.code",
                [part for key in chunk for part in key],
            )
            found.update({(outlet, code): SeenRecord(*rest) for outlet, code, *rest in rows})
        return found

    def _write(self, records: dict[ArticleKey, SeenRecord]) -> None:
        rows = [
            (outlet, code, r.content_hash, r.revision, r.first_seen, r.last_seen)
            for (outlet, code), r in records.items()
        ]
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.executemany(
                "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (outlet, code) DO UPDATE SET content_hash = excluded.content_hash,"
                " revision = excluded.revision, last_seen = excluded.last_seen",
                rows,
            )
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:  # SQLite may have rolled back already (disk full)
                self._db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self.commit()
        self._db.close()

    def __len__(self) -> int:
        self.commit()
        return self._db.execute("SELECT count(*) FROM articles").fetchone()[0]


# Keys per lookup query: two SQL variables each, well under SQLite's limit.
_LOAD_CHUNK = 400
