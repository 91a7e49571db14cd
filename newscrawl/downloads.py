"""Scrapy's redirect and decompression middlewares, counting what they drop.

Scrapy enforces ``REDIRECT_MAX_TIMES`` and ``DOWNLOAD_MAXSIZE`` during decompression (a gzip
bomb) by raising ``IgnoreRequest``, which no stat counts and, for redirects, only a DEBUG
line reports. These subclasses change nothing in the policy; they add the stat and a
WARNING naming the URL:

- ``redirect/max_reached``: a redirect chain (HTTP 3xx or meta refresh) cut at
  ``REDIRECT_MAX_TIMES``, a loop as a rule;
- ``httpcompression/max_size_exceeded``: a compressed body that would exceed
  ``DOWNLOAD_MAXSIZE`` once decompressed.

A body over ``DOWNLOAD_MAXSIZE`` as sent is cancelled by the download handler, which logs it
and Scrapy counts it already (``downloader/exception_type_count/
scrapy.exceptions.DownloadCancelledError``); timeouts and connection failures are counted in
``retry/reason_count/...`` and ``downloader/exception_type_count/...``.
"""

from __future__ import annotations

import logging

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.redirect import (
    BaseRedirectMiddleware,
    MetaRefreshMiddleware,
    RedirectMiddleware,
)
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.referer import RefererMiddleware

logger = logging.getLogger(__name__)


class _CountsRedirectLimit(BaseRedirectMiddleware):
    def _engine_started(self) -> None:
        # Replay mode leaves the Referer middleware out on purpose (only a server reads the
        # header, newscrawl/spider.py): Scrapy's WARNING that it is missing would be noise
        # on every replay. Elsewhere Scrapy's own check and warning stand.
        if self.crawler.settings.get("NEWSCRAWL_REPLAY"):
            self._referer_spider_middleware = self.crawler.get_spider_middleware(RefererMiddleware)
            return
        super()._engine_started()

    def process_response(self, request: Request, response: Response) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            chain = [*request.meta.get("redirect_urls", []), request.url]
            self.crawler.stats.inc_value("redirect/max_reached")
            logger.warning(
                "Gave up on %s after %d redirects (a loop?), last %s",
                chain[0],
                len(chain) - 1,
                response.headers.get(b"Location", b"").decode("latin-1") or response.url,
            )
            raise


class CountingRedirectMiddleware(_CountsRedirectLimit, RedirectMiddleware):
    """``RedirectMiddleware`` that counts and logs a chain cut at ``REDIRECT_MAX_TIMES``."""


class CountingMetaRefreshMiddleware(_CountsRedirectLimit, MetaRefreshMiddleware):
    """``MetaRefreshMiddleware`` that counts and logs a chain cut at ``REDIRECT_MAX_TIMES``."""


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
