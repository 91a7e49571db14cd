"""Seen-store benchmark: insert and lookup rates and file size at N keys (default 1,000,000).

    .venv/bin/python bench/seen_store.py [--keys 1000000] [--batch 100]

Inserts go through the store as the crawl uses it: ``record()`` then ``commit()`` every
``--batch`` articles (each commit is one fsynced SQLite transaction). Lookups are
``get_many()`` calls of 50 keys (a listing page's worth), half known, half unknown, as
discovery does.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newscrawl.seen import SQLiteSeenStore

OUTLETS = ("kayhan", "tasnim", "borna", "mashregh")


def key(i: int) -> tuple[str, str]:
    return OUTLETS[i % 4], str(1_000_000 + i)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--lookups", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "state.sqlite3"
        store = SQLiteSeenStore(path)
        started = time.perf_counter()
        for i in range(args.keys):
            store.record(key(i), f"{i:064x}")
            if (i + 1) % args.batch == 0:
                store.commit()
        store.commit()
        insert_s = time.perf_counter() - started
        rng = random.Random(7)
        probes = [key(rng.randrange(2 * args.keys)) for _ in range(args.lookups)]
        started = time.perf_counter()
        found = 0
        for start in range(0, len(probes), 50):
            found += len(store.get_many(probes[start : start + 50]))
        lookup_s = time.perf_counter() - started
        store.close()
        size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    print(f"keys: {args.keys:,}  commit every {args.batch} articles")
    print(f"insert: {args.keys / insert_s:,.0f} keys/s ({insert_s:.1f} s)")
    print(
        f"lookup: {args.lookups / lookup_s:,.0f} keys/s in batches of 50 ({found:,} of "
        f"{args.lookups:,} probes known)"
    )
    print(f"file size: {size / 2**20:.1f} MiB ({size / args.keys:.0f} bytes/key)")


if __name__ == "__main__":
    main()
