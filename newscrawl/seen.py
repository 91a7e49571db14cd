"""The "have I seen this article?" store behind the dedupe pipeline.

Keys are ``(outlet, code)``. ``MemorySeenStore`` remembers within one run; a persistent
backend only has to implement ``SeenStore``.
"""

from __future__ import annotations

from typing import Protocol

ArticleKey = tuple[str, str]


class SeenStore(Protocol):
    def has(self, key: ArticleKey) -> bool:
        """Whether the article was already emitted."""

    def add(self, key: ArticleKey, content_hash: str) -> None:
        """Record the article as emitted, with a hash of its content."""

    def close(self) -> None:
        """Release resources; called when the spider closes."""


class MemorySeenStore:
    """Seen keys of the current run, in memory."""

    def __init__(self) -> None:
        self._hashes: dict[ArticleKey, str] = {}

    def has(self, key: ArticleKey) -> bool:
        return key in self._hashes

    def add(self, key: ArticleKey, content_hash: str) -> None:
        self._hashes[key] = content_hash

    def close(self) -> None:
        self._hashes.clear()

    def __len__(self) -> int:
        return len(self._hashes)
