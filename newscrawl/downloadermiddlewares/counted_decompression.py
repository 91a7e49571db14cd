"""Scrapy's decompression middleware, counting the bodies it refuses, and gunzipping a whole
gzip body in one call.

Scrapy enforces ``DOWNLOAD_MAXSIZE`` during decompression (a gzip bomb) by raising
``IgnoreRequest``, which no stat counts. This subclass changes nothing in the policy; it adds
the stat ``httpcompression/max_size_exceeded``.

A body over ``DOWNLOAD_MAXSIZE`` as sent is cancelled by the download handler, which logs it
and Scrapy counts it already (``downloader/exception_type_count/
scrapy.exceptions.DownloadCancelledError``).

Scrapy gunzips through ``GzipFile`` in 64 KB reads, checking the size after each: ~1% of a
replay crawl's CPU beyond the inflating itself. A body that is one or more complete gzip
members, within ``DOWNLOAD_MAXSIZE``, is inflated here by zlib in one call a member (the
size bounded by ``max_length``); anything else (damaged, cut short, over the limit) goes to
Scrapy's own ``gunzip``, which decides as before what it yields or raises.
"""

from __future__ import annotations

import zlib

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

_GZIP_ENCODINGS = (b"gzip", b"x-gzip")


def gunzip_whole(body: bytes, max_size: int = 0) -> bytes | None:
    """``body`` inflated, if it is complete gzip members and inflates to at most ``max_size``
    bytes (0: no limit); else None (a negative limit too: Scrapy's gunzip refuses it all)."""
    if max_size < 0:
        return None
    parts: list[bytes] = []
    size = 0
    rest = body
    while True:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            part = inflater.decompress(rest, max_size + 1 - size if max_size else 0)
        except zlib.error:
            return None
        size += len(part)
        if not inflater.eof or (max_size and size > max_size):
            return None
        parts.append(part)
        rest = inflater.unused_data
        if not rest:
            return parts[0] if len(parts) == 1 else b"".join(parts)


class CountingHttpCompressionMiddleware(HttpCompressionMiddleware):
    """``HttpCompressionMiddleware`` that counts a body refused for exceeding
    ``DOWNLOAD_MAXSIZE`` during decompression (Scrapy logs the WARNING itself), and inflates
    a whole gzip body in one call."""

    def process_response(self, request: Request, response: Response) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            if self.stats is not None:
                self.stats.inc_value("httpcompression/max_size_exceeded")
            raise

    # Scrapy's own hook for one encoding (Scrapy is pinned: requirements.txt).
    @staticmethod
    def _decode(body: bytes, encoding: bytes, max_size: int) -> bytes:
        if encoding in _GZIP_ENCODINGS:
            inflated = gunzip_whole(body, max_size)
            if inflated is not None:
                return inflated
        return HttpCompressionMiddleware._decode(body, encoding, max_size)
