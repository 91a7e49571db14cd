"""Crawling from several processes and hosts on one Redis, with scrapy-redis.

With ``REDIS_URL`` set (scrapy-redis's own setting), every spider uses scrapy-redis's
scheduler (a persistent request queue shared by all workers) and a shared duplicate
filter, and the seen-store lives in Redis. Without it nothing here is used.

What this module adds to scrapy-redis, without forking it:

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
- ``WorkerExtension``: releases leases, and lets an idle worker close once the queue has
  been empty, with no lease outstanding, for ``NEWSCRAWL_REDIS_IDLE_CLOSE`` seconds.
- scrapy-redis 0.9.1's own spiders only define ``start_requests()``, which Scrapy 2.16+
  no longer calls (rmax/scrapy-redis#305): the outlet spiders are not scrapy-redis spiders;
  their ``start()`` seeds through ``claim_seeding``.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.settings import BaseSettings
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue

from newscrawl.seen import ArticleKey, SeenRecord, StagedSeenStore

logger = logging.getLogger(__name__)

LEASE_META = "newscrawl_lease"
KEY_PREFIX = "newscrawl:%(spider)s"


def redis_mode_settings() -> dict[str, Any]:
    """The settings that switch a crawl to the shared Redis scheduler."""
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "SCHEDULER_QUEUE_CLASS": "newscrawl.distributed.ReliablePriorityQueue",
        "SCHEDULER_QUEUE_KEY": f"{KEY_PREFIX}:requests",
        "DUPEFILTER_CLASS": "newscrawl.distributed.ArticleKeyDupeFilter",
        "SCHEDULER_DUPEFILTER_KEY": f"{KEY_PREFIX}:dupefilter",
        "SCHEDULER_PERSIST": True,  # the queue outlives any one worker
        "SCHEDULER_SERIALIZER": "scrapy_redis.picklecompat",
        # Other workers act on the seen-store at once: record each article as it is
        # written, not in batches (a lease is released only after that).
        "NEWSCRAWL_COMMIT_EVERY": 1,
    }


class ArticleKeyDupeFilter(RFPDupeFilter):
    """scrapy-redis's shared filter, fingerprinting as the crawler does (by article key)."""

    fingerprinter: Any = None

    @classmethod
    def from_spider(cls, spider: Spider) -> ArticleKeyDupeFilter:
        dupefilter = super().from_spider(spider)
        dupefilter.fingerprinter = spider.crawler.request_fingerprinter
        return dupefilter

    # The shared fingerprints outlive a worker through SCHEDULER_PERSIST (scrapy-redis's
    # scheduler never calls the filter's close()).
    def request_fingerprint(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()


# Atomically: put expired leases back in the queue, then take the best request and lease it.
# KEYS: queue (zset), leases (hash id -> score|data), deadlines (zset id -> deadline)
# ARGV: now, new deadline, lease id
_POP_WITH_LEASE = """
local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1], 'LIMIT', 0, 100)
for _, id in ipairs(expired) do
  local lease = redis.call('HGET', KEYS[2], id)
  if lease then
    local sep = string.find(lease, '|', 1, true)
    redis.call('ZADD', KEYS[1], string.sub(lease, 1, sep - 1), string.sub(lease, sep + 1))
    redis.call('HDEL', KEYS[2], id)
  end
  redis.call('ZREM', KEYS[3], id)
end
local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #top == 0 then return {#expired} end
redis.call('ZREM', KEYS[1], top[1])
redis.call('HSET', KEYS[2], ARGV[3], top[2] .. '|' .. top[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])
return {#expired, top[1]}
"""


class ReliablePriorityQueue(PriorityQueue):
    """scrapy-redis's priority queue where a pop is a lease, not a removal."""

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer)
        self.leases_key = f"{self.key}:leases"
        self.deadlines_key = f"{self.key}:lease-deadlines"
        self.lease_seconds = spider.settings.getfloat("NEWSCRAWL_REDIS_LEASE", 120.0)
        self._pop = server.register_script(_POP_WITH_LEASE)
        self.stats = spider.crawler.stats

    def pop(self, timeout: int = 0) -> Request | None:
        now = time.time()
        lease_id = uuid.uuid4().hex
        result = self._pop(
            keys=[self.key, self.leases_key, self.deadlines_key],
            args=[now, now + self.lease_seconds, lease_id],
        )
        if result[0]:
            self.stats.inc_value("redis/leases_expired", int(result[0]))
            logger.warning("Requeued %d requests whose worker stopped answering", result[0])
        if len(result) < 2:
            return None
        request = self._decode_request(result[1])
        request.meta[LEASE_META] = lease_id
        return request

    def release(self, lease_id: str) -> None:
        pipe = self.server.pipeline(transaction=True)
        pipe.hdel(self.leases_key, lease_id).zrem(self.deadlines_key, lease_id)
        pipe.execute()

    def leases(self) -> int:
        return int(self.server.zcard(self.deadlines_key))

    def clear(self) -> None:
        super().clear()
        self.server.delete(self.leases_key, self.deadlines_key)


def claim_seeding(crawler: Crawler) -> bool:
    """Whether this worker queues the discovery requests: the first to ask within
    ``NEWSCRAWL_REDIS_SEED_TTL`` seconds does, the others find them in the queue."""
    settings = crawler.settings
    server = get_redis_from_settings(settings)
    key = f"{KEY_PREFIX % {'spider': crawler.spidercls.name}}:seeded"
    ttl = max(1, settings.getint("NEWSCRAWL_REDIS_SEED_TTL", 300))
    claimed = bool(server.set(key, uuid.uuid4().hex, nx=True, ex=ttl))
    crawler.stats.set_value("redis/seeded", int(claimed))
    return claimed


_RECORD_FIELDS = 4


class RedisSeenStore(StagedSeenStore):
    """The seen-store in one Redis hash, ``newscrawl:seen``: field ``outlet:code``, value
    ``hash revision first_seen last_seen``. Durability is Redis's (use AOF persistence)."""

    def __init__(self, server, key: str = "newscrawl:seen") -> None:
        super().__init__()
        self.server = server
        self.key = key

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> RedisSeenStore:
        return cls(get_redis_from_settings(settings))

    @staticmethod
    def _field(key: ArticleKey) -> str:
        return f"{key[0]}:{key[1]}"

    @staticmethod
    def _parse(value) -> SeenRecord | None:
        if value is None:
            return None
        text = value.decode() if isinstance(value, bytes) else value
        digest, revision, first, last = text.split(" ", _RECORD_FIELDS - 1)
        return SeenRecord(digest, int(revision), float(first), float(last))

    def _load(self, key: ArticleKey) -> SeenRecord | None:
        return self._parse(self.server.hget(self.key, self._field(key)))

    def _load_many(self, keys: list[ArticleKey]) -> dict[ArticleKey, SeenRecord]:
        if not keys:
            return {}
        values = self.server.hmget(self.key, [self._field(k) for k in keys])
        return {k: r for k, v in zip(keys, values, strict=True) if (r := self._parse(v))}

    def _write(self, records: dict[ArticleKey, SeenRecord]) -> None:
        mapping = {
            self._field(k): f"{r.content_hash} {r.revision} {r.first_seen} {r.last_seen}"
            for k, r in records.items()
        }
        self.server.hset(self.key, mapping=mapping)


class Leases:
    """This worker's side of the leased queue: releasing the lease a request carries."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @property
    def queue(self) -> ReliablePriorityQueue | None:
        engine = getattr(self.crawler, "engine", None)
        scheduler = engine.scheduler if engine is not None else None
        return getattr(scheduler, "queue", None)

    def release(self, request: Request | None) -> None:
        lease = request.meta.pop(LEASE_META, None) if request is not None else None
        queue = self.queue
        if lease and queue is not None:
            queue.release(lease)
            self.crawler.stats.inc_value("redis/leases_released")


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
        self.leases.release(getattr(response, "request", None))

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
