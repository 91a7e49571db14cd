"""Retries with exponential backoff (a downloader middleware shared by all spiders)."""

from __future__ import annotations

import asyncio
import logging

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.response import response_status_message

logger = logging.getLogger(__name__)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry policy, with exponential backoff before each retry.

    A struggling site (5xx, 429) is given ``RETRY_BACKOFF_BASE * 2**(n-1)`` seconds before
    attempt ``n + 1`` (capped at ``RETRY_BACKOFF_MAX``), or what its Retry-After asks.
    """

    def __init__(self, settings: BaseSettings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 120.0)

    def backoff_delay(self, retry: Request, retry_after: bytes | None = None) -> float:
        if retry_after is not None:
            try:
                return min(float(retry_after.decode("ascii")), self.backoff_max)
            except (UnicodeDecodeError, ValueError):
                pass  # an HTTP-date: fall back to the exponential delay
        attempt = retry.meta.get("retry_times", 1)
        return min(self.backoff_base * 2 ** (attempt - 1), self.backoff_max)

    async def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            reason = response_status_message(response.status)
            await self._wait(result, reason, response.headers.get(b"Retry-After"))
        return result

    async def process_exception(
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> Request | Response | None:
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._wait(result, f"{type(exception).__name__}: {exception}")
        return result

    async def _wait(self, retry: Request, reason: str, retry_after: bytes | None = None) -> None:
        delay = self.backoff_delay(retry, retry_after)
        # INFO, not Scrapy's DEBUG: a site failing (and maybe recovering) is worth a line.
        attempt = retry.meta.get("retry_times", 1)
        logger.info("Retry %d of %s in %.1fs: %s", attempt, retry.url, delay, reason)
        if delay > 0:
            self.crawler.stats.inc_value("retry/backoff_seconds", delay)
            await asyncio.sleep(delay)
