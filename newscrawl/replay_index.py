"""The replay index: where each saved response lives (file, WARC record offset, status),
never its body, looked up by URL and by article.

It is kept in a private temporary SQLite database on disk (deleted when closed), so the
memory of a replay does not grow with the archive: 50,000 saved pages or a year of them
take the same few MB of SQLite page cache, where Python dicts would hold 300-400 bytes per
page (a percent-encoded slug URL alone is 300 characters).
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Protocol

_SCHEMA = """
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
CREATE TABLE urls (
    key BLOB PRIMARY KEY,
    path TEXT NOT NULL,
    record_offset INTEGER,
    status INTEGER NOT NULL,
    content_type TEXT
) WITHOUT ROWID;
CREATE TABLE articles (
    key TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    record_offset INTEGER,
    status INTEGER NOT NULL,
    content_type TEXT
) WITHOUT ROWID;
"""
# Several captures of a URL: a successful one wins over an error, and a later one over an
# earlier one.
_ADD_URL = """
INSERT INTO urls VALUES (?, ?, ?, ?, ?)
ON CONFLICT (key) DO UPDATE SET
    path = excluded.path,
    record_offset = excluded.record_offset,
    status = excluded.status,
    content_type = excluded.content_type
WHERE NOT (urls.status < 300 AND excluded.status >= 300)
"""
_ADD_ARTICLE = "INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?)"
_COLUMNS = "path, record_offset, status, content_type"


class Location(Protocol):
    """What the index stores of a saved page (``newscrawl.replay.SavedPage``)."""

    path: Path
    offset: int | None
    status: int
    content_type: str | None


def digest(key: str) -> bytes:
    """16 bytes standing for a (long) URL key."""
    return hashlib.blake2b(key.encode(), digest_size=16).digest()


class ReplayIndex:
    """URL key → saved page, and article key → its successful saved page."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("")  # "": a private temporary database on disk
        self._db.executescript(_SCHEMA)

    def add(self, url_key: str, page: Location, article: object | None) -> None:
        row = (str(page.path), page.offset, page.status, page.content_type)
        self._db.execute(_ADD_URL, (digest(url_key), *row))
        if article is not None and page.status < 300:
            self._db.execute(_ADD_ARTICLE, (repr(article), *row))

    def commit(self) -> None:
        self._db.commit()

    def find(self, url_key: str) -> tuple[Path, int | None, int, str | None] | None:
        found = self._db.execute(
            f"SELECT {_COLUMNS} FROM urls WHERE key = ?", (digest(url_key),)
        ).fetchone()
        return _location(found)

    def find_article(self, article: object) -> tuple[Path, int | None, int, str | None] | None:
        found = self._db.execute(
            f"SELECT {_COLUMNS} FROM articles WHERE key = ?", (repr(article),)
        ).fetchone()
        return _location(found)

    def __len__(self) -> int:
        return self._db.execute("SELECT count(*) FROM urls").fetchone()[0]

    def close(self) -> None:
        self._db.close()


def _location(row: tuple | None) -> tuple[Path, int | None, int, str | None] | None:
    return None if row is None else (Path(row[0]), row[1], row[2], row[3])
