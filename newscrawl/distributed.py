"""Crawling from several processes and hosts on one Redis, with scrapy-redis.

With ``REDIS_URL`` set (scrapy-redis's own setting), every spider uses scrapy-redis's
scheduler (a persistent request queue shared by all workers) and a shared duplicate
filter, and the seen-store lives in Redis. Without it nothing here is used.

What this module adds to scrapy-redis, without forking it (the classes built on scrapy-redis
and redis-py live in ``newscrawl/redis_backends.py``, imported only when ``REDIS_URL`` is set):

- ``ArticleKeyDupeFilter``: the shared duplicate filter keys requests by the crawler's
  request fingerprinter (the article key, ``newscrawl.fingerprint``); scrapy-redis's own
  fingerprint is the URL, so URL variants of an article would each be fetched.
- ``ReliablePriorityQueue``: popping a request leases it (the worker's claim, with a
  deadline) instead of deleting it. The lease is released once the request is done: its
  article written out, or its response or failure handled. A worker killed with its leases
  never releases them; when they expire, any worker's next pop puts them back in the queue.
- ``RedisSeenStore``: the seen-store (``newscrawl.seen``) in a Redis hash.
- ``claim_seeding``: discovery requests (feeds, listings, archive pages, code ranges) are
  queued by the first worker only.
- ``WorkerExtension``: releases leases (or, for an article this worker could not write or
  record, puts its request back in the queue: the worker then stops), and lets an idle
  worker close once the queue has been empty, with no lease outstanding, for
  ``NEWSCRAWL_REDIS_IDLE_CLOSE`` seconds.
- scrapy-redis 0.9.1's own spiders only define ``start_requests()``, which Scrapy 2.16+
  no longer calls (rmax/scrapy-redis#305): the outlet spiders are not scrapy-redis spiders;
  their ``start()`` seeds through ``claim_seeding``.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.settings import BaseSettings

from newscrawl.state import CrawlState

logger = logging.getLogger(__name__)

LEASE_META = "newscrawl_lease"
KEY_PREFIX = "newscrawl:%(spider)s"


class RedisAddon:
    """The Redis mode's settings, as a Scrapy add-on (``ADDONS`` in settings.py), active
    when ``REDIS_URL`` (scrapy-redis's setting) is set: workers on any number of hosts share
    the queue, duplicate filter and seen-store in Redis."""

    def update_settings(self, settings: BaseSettings) -> None:
        if settings.get("REDIS_URL"):
            settings.setdict(redis_mode_settings(), priority="spider")


def redis_mode_settings() -> dict[str, Any]:
    """The settings that switch a crawl to the shared Redis scheduler."""
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "SCHEDULER_QUEUE_CLASS": "newscrawl.redis_backends.ReliablePriorityQueue",
        "SCHEDULER_QUEUE_KEY": f"{KEY_PREFIX}:requests",
        "DUPEFILTER_CLASS": "newscrawl.redis_backends.ArticleKeyDupeFilter",
        "SCHEDULER_DUPEFILTER_KEY": f"{KEY_PREFIX}:dupefilter",
        "SCHEDULER_PERSIST": True,  # the queue outlives any one worker
        "SCHEDULER_SERIALIZER": "scrapy_redis.picklecompat",
        # Other workers act on the seen-store at once: record each article as it is
        # written, not in batches (a lease is released only after that).
        "NEWSCRAWL_COMMIT_EVERY": 1,
    }


def claim_seeding(crawler: Crawler) -> bool:
    """Whether this worker queues the discovery requests: the first to ask within
    ``NEWSCRAWL_REDIS_SEED_TTL`` seconds does, the others find them in the queue."""
    from scrapy_redis.connection import get_redis_from_settings  # only with REDIS_URL

    settings = crawler.settings
    server = get_redis_from_settings(settings)
    key = f"{KEY_PREFIX % {'spider': crawler.spidercls.name}}:seeded"
    ttl = max(1, settings.getint("NEWSCRAWL_REDIS_SEED_TTL", 300))
    claimed = bool(server.set(key, uuid.uuid4().hex, nx=True, ex=ttl))
    crawler.stats.set_value("redis/seeded", int(claimed))
    return claimed


def seed_shared_queue(crawler: Crawler, requests: Iterable[Request], logger: Any) -> None:
    """Queue a crawl's discovery requests for all workers, if this worker claims the
    seeding. Straight into the shared queue, all of them: yielded as start requests, they
    would reach the scheduler one at a time as this worker takes them, the others idle."""
    if not claim_seeding(crawler):
        logger.info("Another worker queued this crawl's discovery: taking from the queue")
        return
    queued = 0
    for request in requests:
        crawler.engine.crawl(request)
        queued += 1
    logger.info("Queued %d discovery requests for all workers", queued)


class Leases:
    """This worker's side of the leased queue: releasing the lease a request carries."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @property
    def queue(self) -> Any:  # newscrawl.redis_backends.ReliablePriorityQueue, or None
        engine = getattr(self.crawler, "engine", None)
        scheduler = engine.scheduler if engine is not None else None
        return getattr(scheduler, "queue", None)

    def release(self, request: Request | None, *, requeue: bool = False) -> None:
        """The request is done: drop its lease; or (``requeue``) it was not done after all,
        so it goes back to the shared queue for another worker."""
        lease = request.meta.pop(LEASE_META, None) if request is not None else None
        queue = self.queue
        if not lease or queue is None:
            return
        if not requeue:
            queue.release(lease)
            self.crawler.stats.inc_value("redis/leases_released")
            return
        try:
            queue.requeue(lease)
        except Exception as error:  # Redis unreachable: the lease expires instead
            logger.warning("Could not requeue %s (%s): its lease expires", request.url, error)
            return
        self.crawler.stats.inc_value("redis/leases_requeued")


class WorkerExtension:
    """Per worker: releases the leases of finished requests, and closes the spider once the
    shared queue has stayed empty (and no lease is out) for ``NEWSCRAWL_REDIS_IDLE_CLOSE``
    seconds. Enabled with ``REDIS_URL``."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.leases = Leases(crawler)
        self.idle_close = crawler.settings.getfloat("NEWSCRAWL_REDIS_IDLE_CLOSE", 30.0)
        self.idle_since: float | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WorkerExtension:
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        # Connected once the crawl has started, i.e. after the item pipelines: a lease is
        # released after the dedupe pipeline recorded the article as seen.
        crawler.signals.connect(extension.connect_item_signals, signal=signals.spider_opened)
        return extension

    def connect_item_signals(self, spider: Spider) -> None:
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            self.crawler.signals.connect(self.item_done, signal=signal)

    def item_done(self, item, response, spider, **kwargs) -> None:
        # After an output failure the article was not recorded (or was rolled back): another
        # worker is to fetch it, while this one stops (newscrawl.state.CrawlState.fail).
        requeue = not CrawlState.of(self.crawler).writable
        self.leases.release(getattr(response, "request", None), requeue=requeue)

    def spider_idle(self, spider: Spider) -> None:
        queue = self.leases.queue
        if queue is None:
            return
        busy = len(queue) + queue.leases()
        now = time.monotonic()
        if busy:
            self.idle_since = None
            raise DontCloseSpider  # requests queued, or held by workers that may die
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since < self.idle_close:
            raise DontCloseSpider
        logger.info("Shared queue empty for %.0fs: worker closes", now - self.idle_since)


class LeaseSpiderMiddleware:
    """Releases the lease of a response that yields no article (a feed, a listing, a page
    that is not an article) once the spider has handled it, and of one that failed. An
    article's lease is released when the article is written (``WorkerExtension``)."""

    def __init__(self, leases: Leases) -> None:
        self.leases = leases

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeaseSpiderMiddleware:
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured
        return cls(Leases(crawler))

    async def process_spider_output(self, response, result: AsyncIterator, spider=None):
        items = 0
        async for output in result:
            if not isinstance(output, Request):
                items += 1
            yield output
        if not items:
            self.leases.release(response.request)

    def process_spider_exception(self, response, exception, spider=None) -> None:
        self.leases.release(response.request)


class LeaseDownloaderMiddleware:
    """Releases the lease of a request whose download failed for good (no middleware
    retried it): placed outermost, it sees only the failures nobody handled."""

    def __init__(self, leases: Leases) -> None:
        self.leases = leases

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeaseDownloaderMiddleware:
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured
        return cls(Leases(crawler))

    def process_exception(self, request, exception, spider=None) -> None:
        self.leases.release(request)
