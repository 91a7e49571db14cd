"""Scrapy's decompression middleware, counting the bodies it refuses.

Scrapy enforces ``DOWNLOAD_MAXSIZE`` during decompression (a gzip bomb) by raising
``IgnoreRequest``, which no stat counts. This subclass changes nothing in the policy; it adds
the stat ``httpcompression/max_size_exceeded``.

A body over ``DOWNLOAD_MAXSIZE`` as sent is cancelled by the download handler, which logs it
and Scrapy counts it already (``downloader/exception_type_count/
scrapy.exceptions.DownloadCancelledError``).
"""

from __future__ import annotations

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response


class CountingHttpCompressionMiddleware(HttpCompressionMiddleware):
    """``HttpCompressionMiddleware`` that counts a body refused for exceeding
    ``DOWNLOAD_MAXSIZE`` during decompression (Scrapy logs the WARNING itself)."""

    def process_response(self, request: Request, response: Response) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            if self.stats is not None:
                self.stats.inc_value("httpcompression/max_size_exceeded")
            raise
