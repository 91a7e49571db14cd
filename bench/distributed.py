"""Distributed replay benchmark: pages per second with 1 and 2 workers on one Redis, and
Redis round trips per page.

    .venv/bin/python -m bench.distributed [--pages 2000] [--outlet kayhan] [--workers 1 2]

Builds the benchmark corpus (bench/corpus.py) for one outlet, starts a private
``redis-server`` on a free loopback port, and for each worker count runs that many
``scrapy crawl <outlet> -a urls=… -a replay=… -s REDIS_URL=…`` processes at once (the first
to start queues the URLs, all take from the shared queue). The clock runs from the start
of the workers until every page's JSON line is written (not until the workers' idle close);
round trips are Redis's ``total_commands_processed`` over the run, per page.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

from bench.corpus import ROOT, build_corpus, count_lines

POLL = 0.05


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_redis(directory: Path) -> tuple[subprocess.Popen, str]:
    server = shutil.which("redis-server")
    if server is None:
        sys.exit("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    for _ in range(200):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(POLL)
    return process, f"redis://127.0.0.1:{port}/0"


def run(outlet: str, corpus, workers: int, redis_url: str, work: Path) -> dict[str, float]:
    client = redis.Redis.from_url(redis_url)
    client.flushall()
    pages = corpus.pages[outlet]
    outputs = [work / f"w{n}" / "items.jsonl" for n in range(workers)]
    commands_before = client.info("stats")["total_commands_processed"]
    started = time.perf_counter()
    processes = []
    for number, output in enumerate(outputs):
        output.parent.mkdir(parents=True, exist_ok=True)
        settings = {
            "REDIS_URL": redis_url,
            "NEWSCRAWL_STATE": output.parent / "journal.sqlite3",
            "NEWSCRAWL_TEXT_DIR": work / "text",
            "NEWSCRAWL_MANIFEST_DIR": output.parent / "manifests",
            "NEWSCRAWL_REDIS_IDLE_CLOSE": 1,
            "LOG_LEVEL": "INFO",
        }
        command = [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            outlet,
            "-a",
            f"urls={corpus.urls(outlet)}",
            "-a",
            f"replay={corpus.warc(outlet)}",
            "-O",
            str(output),
        ]
        for key, value in settings.items():
            command += ["-s", f"{key}={value}"]
        command += ["-s", f"LOG_FILE={output.parent / 'log.txt'}"]
        processes.append(subprocess.Popen(command, cwd=ROOT, env=dict(os.environ)))
        if number == 0:
            time.sleep(0.2)  # the first queues the URLs; the others join a running crawl
    while count_lines(outputs) < pages:
        if all(p.poll() is not None for p in processes):
            break
        time.sleep(POLL)
    elapsed = time.perf_counter() - started
    commands = client.info("stats")["total_commands_processed"] - commands_before
    for process in processes:
        process.wait(timeout=120)
    done = count_lines(outputs)
    return {
        "workers": workers,
        "pages": done,
        "seconds": elapsed,
        "pages_per_second": done / elapsed,
        "redis_commands_per_page": commands / max(done, 1),
        "share": [count_lines([o]) for o in outputs],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--outlet", default="kayhan")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--keep", help="work in this directory and keep it (logs, outputs)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="newscrawl-dist-") as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        corpus = build_corpus(work / "corpus", args.pages, outlets=(args.outlet,))
        server, redis_url = start_redis(work)
        try:
            results = [
                run(args.outlet, corpus, n, redis_url, work / f"run{n}") for n in args.workers
            ]
        finally:
            server.terminate()
            server.wait(timeout=10)
    base = results[0]["pages_per_second"]
    print(f"{args.pages} {args.outlet} pages, replayed through Redis ({os.cpu_count()} cores)")
    for result in results:
        print(
            f"{result['workers']} worker(s): {result['pages_per_second']:.1f} pages/s "
            f"({result['seconds']:.1f} s, x{result['pages_per_second'] / base:.2f} vs first), "
            f"{result['redis_commands_per_page']:.1f} Redis commands per page, "
            f"pages per worker {result['share']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
