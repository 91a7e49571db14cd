"""Scrapy's redirect middlewares (HTTP 3xx and meta refresh), counting the chains they cut.

Scrapy enforces ``REDIRECT_MAX_TIMES`` by raising ``IgnoreRequest``, which no stat counts
and only a DEBUG line reports. These subclasses change nothing in the policy; they add the
stat ``redirect/max_reached`` (a loop as a rule) and a WARNING naming the URL.

Timeouts and connection failures are counted by Scrapy in ``retry/reason_count/...`` and
``downloader/exception_type_count/...``.
"""

from __future__ import annotations

import logging

from scrapy.downloadermiddlewares.redirect import (
    BaseRedirectMiddleware,
    MetaRefreshMiddleware,
    RedirectMiddleware,
)
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

logger = logging.getLogger(__name__)


class _CountsRedirectLimit(BaseRedirectMiddleware):
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
