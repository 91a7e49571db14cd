"""Several workers on one Redis (scrapy-redis): each article exactly once in the union of
their outputs, no article fetched twice, and a killed worker's requests finished by the
others. A real ``redis-server`` on a free loopback port; workers are ``scrapy crawlall``
processes replaying the fixtures of all four outlets."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import FIXTURES, OUTLETS, article_fixtures, manifest
from crash_helpers import __file__ as _crash_module  # noqa: F401  (workers load it by name)
from crawl_helpers import ROOT, checked_items, crawl_env

from bench.distributed import start_redis

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")
WORKER_TIMEOUT = 180


@pytest.fixture
def redis_url(tmp_path):
    server, url = start_redis(tmp_path)
    yield url
    server.terminate()
    server.wait(timeout=10)


def start_worker(tmp_path: Path, name: str, redis_url: str, extra: dict | None = None):
    work = tmp_path / name
    work.mkdir(parents=True)
    settings = {
        "REDIS_URL": redis_url,
        "NEWSCRAWL_STATE": work / "journal.sqlite3",  # the run journal stays local
        "NEWSCRAWL_TEXT_DIR": tmp_path / "text",  # one host: one text directory
        "NEWSCRAWL_MANIFEST_DIR": work / "manifests",
        "NEWSCRAWL_STATS_FILE": work / "stats-{spider}.json",
        "NEWSCRAWL_REDIS_IDLE_CLOSE": 2,
        "NEWSCRAWL_REDIS_LEASE": 4,
        "LOG_FILE": work / "log.txt",
        **(extra or {}),
    }
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "crawlall",
        "-a",
        f"replay={FIXTURES}",
        "-O",
        str(work / "%(name)s.jsonl"),
    ]
    for key, value in settings.items():
        command += ["-s", f"{key}={value}"]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=crawl_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def outputs(tmp_path: Path, workers: list[str]):
    items, stats = [], []
    for name in workers:
        for path in sorted((tmp_path / name).glob("*.jsonl")):
            items += checked_items(path.read_text(encoding="utf-8").splitlines())
        stats += [json.loads(p.read_text()) for p in (tmp_path / name).glob("stats-*.json")]
    return items, stats


def expected_keys() -> list[tuple[str, str]]:
    return sorted((o, f.expected["code"]) for o in OUTLETS for f in article_fixtures(o))


def assert_exactly_once(tmp_path: Path, items: list[dict]) -> None:
    counts = Counter((i["outlet"], i["code"]) for i in items)
    assert sorted(counts) == expected_keys() and set(counts.values()) == {1}, counts
    texts = sorted((p.parent.name, p.stem) for p in (tmp_path / "text").glob("*/*.txt"))
    assert texts == expected_keys()


def test_three_workers_share_the_crawl_exactly_once(tmp_path, redis_url):
    workers = ["w1", "w2", "w3"]
    processes = [start_worker(tmp_path, w, redis_url) for w in workers]
    for process in processes:
        process.wait(timeout=WORKER_TIMEOUT)
        assert process.returncode == 0, process.stdout.read()[-3000:]
    items, stats = outputs(tmp_path, workers)
    assert_exactly_once(tmp_path, items)
    # Discovery was queued once, by one worker per outlet.
    seeded = Counter(s["redis/seeded"] for s in stats)
    assert seeded[1] == len(OUTLETS)
    # No article page fetched twice across workers: every saved article URL (articles, the
    # soft-404 and the challenge page) was queued once and taken from the queue once.
    saved_article_urls = sum(
        1
        for o in OUTLETS
        for page in manifest(o).values()
        if page.path.suffix == ".html" and page.path.name != "listing.html"
    )
    start_pages = sum(s.get("discovery/start_pages", 0) for s in stats)
    enqueued = sum(s.get("scheduler/enqueued/redis", 0) for s in stats)
    # Queued at most once each (the shared filter drops what another worker queued; the
    # listings add at most their page 2), taken once each, fetched once each.
    assert enqueued <= saved_article_urls + start_pages + len(OUTLETS)
    assert sum(s.get("scheduler/dequeued/redis", 0) for s in stats) == enqueued
    assert sum(s.get("response_received_count", 0) for s in stats) == enqueued
    assert sum(s.get("dedupe/seen", 0) + s.get("dedupe/duplicate", 0) for s in stats) == 0


def test_killed_worker_requests_are_finished_by_the_others(tmp_path, redis_url):
    """The first worker queues everything and takes many requests at once, then is killed
    (SIGKILL) after its second article: its leases expire and the others finish them."""
    from test_exactly_once import crash_extensions

    killed = start_worker(
        tmp_path,
        "w1",
        redis_url,
        {
            "CRASH_AFTER_ITEMS": 2,
            "CRASH_POINT": "after_commit",
            "EXTENSIONS": crash_extensions(),
        },
    )
    time.sleep(1.0)
    others = [start_worker(tmp_path, w, redis_url) for w in ("w2", "w3")]
    killed.wait(timeout=WORKER_TIMEOUT)
    assert killed.returncode == -9
    for process in others:
        process.wait(timeout=WORKER_TIMEOUT)
        assert process.returncode == 0, process.stdout.read()[-3000:]
    items, stats = outputs(tmp_path, ["w1", "w2", "w3"])
    assert_exactly_once(tmp_path, items)
    assert sum(s.get("redis/leases_expired", 0) for s in stats) > 0


def test_a_worker_that_cannot_record_an_article_requeues_it_and_stops(tmp_path, redis_url):
    """Redis refuses the first worker's seen-store write of its second article: that worker
    stops (exit 1) and puts the article's request back; the others write it, once."""
    from test_exactly_once import crash_extensions

    failing = start_worker(
        tmp_path,
        "w1",
        redis_url,
        {
            "DISK_FULL_AT": "redis",
            "DISK_FULL_AFTER": 2,
            "EXTENSIONS": crash_extensions("DiskFullExtension"),
        },
    )
    time.sleep(1.0)
    others = [start_worker(tmp_path, w, redis_url) for w in ("w2", "w3")]
    failing.wait(timeout=WORKER_TIMEOUT)
    log = (tmp_path / "w1" / "log.txt").read_text(encoding="utf-8")
    assert failing.returncode == 1, log[-3000:]
    assert "Output failed, the crawl stops: cannot write the seen-store: OOM" in log
    for process in others:
        process.wait(timeout=WORKER_TIMEOUT)
        assert process.returncode == 0, process.stdout.read()[-3000:]
    items, _ = outputs(tmp_path, ["w1", "w2", "w3"])
    assert_exactly_once(tmp_path, items)
    # Redis refuses every spider of the failing process (they share it); the others none.
    _, failed = outputs(tmp_path, ["w1"])
    assert all(s["finish_reason"] == "output_failed" for s in failed)
    assert sum(s.get("redis/leases_requeued", 0) for s in failed) >= 1
    _, others_stats = outputs(tmp_path, ["w2", "w3"])
    assert not any(s.get("output/failed") for s in others_stats)
