"""Request fingerprints by article identity.

Feeds link the same article by its slug URL, its slug-less ``guid``, sometimes over http or
with tracking parameters; Scrapy's default fingerprint (the URL) would fetch each form.
For URLs the running spider recognises as articles, the fingerprint is the article key
(outlet, code) instead, so the duplicate filter (and HTTP cache) sees one article once.
"""

from __future__ import annotations

import hashlib

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.utils.request import RequestFingerprinter


class ArticleKeyFingerprinter:
    def __init__(self, crawler: Crawler | None = None) -> None:
        self.crawler = crawler
        self.default = RequestFingerprinter(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArticleKeyFingerprinter:
        return cls(crawler)

    def fingerprint(self, request: Request) -> bytes:
        spider = getattr(self.crawler, "spider", None)
        article_key = getattr(spider, "article_key", None)
        key = article_key(request.url) if article_key is not None else None
        if key is None or request.method != "GET":
            base = self.default.fingerprint(request)
        else:
            base = hashlib.sha1(f"article:{key[0]}:{key[1]}".encode()).digest()
        hop = request.meta.get("redirect_times", 0)
        if hop:
            # A redirect continues a fetch the duplicate filter already let through, often to
            # another URL of the same article (http -> https, a slug added): filtered as a
            # duplicate, that article would be lost without a word. One fingerprint per hop
            # lets it through; REDIRECT_MAX_TIMES still ends a loop (redirect/max_reached).
            return hashlib.sha1(b"redirect:%d:" % hop + base).digest()
        return base
