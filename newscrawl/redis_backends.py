"""The pieces of distributed crawling built on scrapy-redis and redis-py (see
``newscrawl/distributed.py``): imported only when ``REDIS_URL`` is set, so that a crawl
without Redis does not load them (~50 ms of start-up)."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from redis.exceptions import RedisError
from scrapy import Request, Spider
from scrapy.settings import BaseSettings
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue

from newscrawl.distributed import LEASE_META
from newscrawl.seen import ArticleKey, SeenRecord, StagedSeenStore

logger = logging.getLogger(__name__)


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


# Atomically: put one lease's request back in the queue (its worker could not finish it).
# KEYS: queue, leases, deadlines; ARGV: lease id
_REQUEUE = """
local lease = redis.call('HGET', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
if not lease then return 0 end
local sep = string.find(lease, '|', 1, true)
redis.call('ZADD', KEYS[1], string.sub(lease, 1, sep - 1), string.sub(lease, sep + 1))
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
"""


class ReliablePriorityQueue(PriorityQueue):
    """scrapy-redis's priority queue where a pop is a lease, not a removal."""

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer)
        self.leases_key = f"{self.key}:leases"
        self.deadlines_key = f"{self.key}:lease-deadlines"
        self.lease_seconds = spider.settings.getfloat("NEWSCRAWL_REDIS_LEASE", 120.0)
        self._pop = server.register_script(_POP_WITH_LEASE)
        self._requeue = server.register_script(_REQUEUE)
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

    def requeue(self, lease_id: str) -> None:
        self._requeue(keys=[self.key, self.leases_key, self.deadlines_key], args=[lease_id])

    def leases(self) -> int:
        return int(self.server.zcard(self.deadlines_key))

    def clear(self) -> None:
        super().clear()
        self.server.delete(self.leases_key, self.deadlines_key)


_RECORD_FIELDS = 4


class RedisSeenStore(StagedSeenStore):
    """The seen-store in one Redis hash, ``newscrawl:seen``: field ``outlet:code``, value
    ``hash revision first_seen last_seen``. Durability is Redis's (use AOF persistence)."""

    write_errors = (RedisError, OSError)

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
