"""The replay index: where each saved response lives (file, WARC record offset and length,
status), never its body, looked up by URL and by article.

Rows are added in batches (one ``executemany`` per table, not two statements a record), and
the URLs exactly as saved map to their URL key, so that a request for the very URL saved,
the usual case, is looked up without canonicalising it again (w3lib's canonicalize_url
costs ~35 µs on a percent-encoded Persian slug).

It is kept in a private temporary SQLite database on disk (deleted when closed), so the
memory of a replay does not grow with the archive: 50,000 saved pages or a year of them
take the same few MB of SQLite page cache, where Python dicts would hold 300-400 bytes per
page (a percent-encoded slug URL alone is 300 characters).

Of several captures of a URL (or an article), a successful one wins over an error, and a
later one over an earlier one: each row carries its capture's rank (where it lies in the
saved pages), so rows may come in any order, and again (a replay looking its captures up
as requests come, then loading every one).
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Protocol

# Where a saved page lives (the same columns in both tables), in SavedPage's field order.
_LOCATION_COLUMNS = (
    ("path", "TEXT NOT NULL"),
    ("record_offset", "INTEGER"),
    ("status", "INTEGER NOT NULL"),
    ("content_type", "TEXT"),
    ("record_length", "INTEGER"),
)
_COLUMNS = ", ".join(name for name, _ in _LOCATION_COLUMNS)
_LOCATION = ", ".join(f"{name} {kind}" for name, kind in _LOCATION_COLUMNS)
_SCHEMA = f"""
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
CREATE TABLE urls (key BLOB PRIMARY KEY, {_LOCATION}, rank INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE articles (key TEXT PRIMARY KEY, {_LOCATION}, rank INTEGER NOT NULL) WITHOUT ROWID;
-- A URL exactly as saved (digest) -> its URL key (digest). The key is a function of the URL
-- alone, so this only ever repeats what canonicalising the URL would give.
CREATE TABLE exact_urls (
    url BLOB PRIMARY KEY,
    key BLOB NOT NULL
) WITHOUT ROWID;
"""
_PLACES = ", ".join("?" * (2 + len(_LOCATION_COLUMNS)))  # the key, the location, the rank
_UPDATE = ", ".join(f"{n} = excluded.{n}" for n, _ in (*_LOCATION_COLUMNS, ("rank", "")))
# Several captures of a URL: a successful one wins over an error, and a later one over an
# earlier one, whatever order they are added in.
_ADD_URL = f"""
INSERT INTO urls VALUES ({_PLACES})
ON CONFLICT (key) DO UPDATE SET {_UPDATE}
WHERE (excluded.status < 300, excluded.rank) > (urls.status < 300, urls.rank)
"""
# Only successful captures are added: the later one wins.
_ADD_ARTICLE = f"""
INSERT INTO articles VALUES ({_PLACES})
ON CONFLICT (key) DO UPDATE SET {_UPDATE} WHERE excluded.rank > articles.rank
"""
_ADD_EXACT = "INSERT OR IGNORE INTO exact_urls VALUES (?, ?)"
_FIND_EXACT = (
    "SELECT {} FROM exact_urls JOIN urls ON urls.key = exact_urls.key WHERE exact_urls.url = ?"
).format(", ".join(f"urls.{name}" for name, _ in _LOCATION_COLUMNS))
# Rows kept in memory before they are written: a few hundred KB at most.
_BATCH = 1000

Row = tuple[Path, int | None, int, str | None, int | None]


class Location(Protocol):
    """What the index stores of a saved page (``newscrawl.replay.SavedPage``)."""

    path: Path
    offset: int | None
    status: int
    content_type: str | None
    length: int | None


def digest(key: str) -> bytes:
    """16 bytes standing for a (long) URL key."""
    return hashlib.blake2b(key.encode(), digest_size=16).digest()


class ReplayIndex:
    """URL key → saved page, and article key → its successful saved page."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("")  # "": a private temporary database on disk
        self._db.executescript(_SCHEMA)
        # Rows not written yet (their ranks, not their order, decide between captures).
        self._urls: list[tuple] = []
        self._articles: list[tuple] = []
        self._exact: list[tuple[bytes, bytes]] = []

    def add(
        self, url: str, url_key: str, page: Location, article: object | None, rank: int
    ) -> None:
        """Add a page saved as ``url`` under its ``url_key`` (and ``article``); ``url``
        itself can then be found by ``find_url`` without being canonicalised. ``rank``
        orders captures: the greater, the later."""
        key = digest(url_key)
        row = (str(page.path), page.offset, page.status, page.content_type, page.length, rank)
        self._urls.append((key, *row))
        self._exact.append((digest(url), key))
        if article is not None and page.status < 300:
            self._articles.append((repr(article), *row))
        if len(self._urls) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._urls:
            self._db.executemany(_ADD_URL, self._urls)
            self._urls.clear()
        if self._articles:
            self._db.executemany(_ADD_ARTICLE, self._articles)
            self._articles.clear()
        if self._exact:
            self._db.executemany(_ADD_EXACT, self._exact)
            self._exact.clear()

    def commit(self) -> None:
        self._flush()
        self._db.commit()

    def find(self, url_key: str) -> Row | None:
        self._flush()
        found = self._db.execute(
            f"SELECT {_COLUMNS} FROM urls WHERE key = ?", (digest(url_key),)
        ).fetchone()
        return _location(found)

    def find_url(self, url: str) -> Row | None:
        """The page saved under the key of ``url``, if ``url`` is a URL saved as it is."""
        self._flush()
        return _location(self._db.execute(_FIND_EXACT, (digest(url),)).fetchone())

    def find_article(self, article: object) -> Row | None:
        self._flush()
        found = self._db.execute(
            f"SELECT {_COLUMNS} FROM articles WHERE key = ?", (repr(article),)
        ).fetchone()
        return _location(found)

    def __len__(self) -> int:
        self._flush()
        return self._db.execute("SELECT count(*) FROM urls").fetchone()[0]

    def close(self) -> None:
        self._db.close()


def _location(row: tuple | None) -> Row | None:
    return None if row is None else (Path(row[0]), *row[1:])
