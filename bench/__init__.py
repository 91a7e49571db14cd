"""Benchmark of the replay crawl against plain trafilatura (see bench/README.md)."""

# Names the outlet whose spider bench/floor_spider.py runs (it is loaded by `scrapy runspider`,
# which takes no spider name).
OUTLET_VARIABLE = "NEWSCRAWL_BENCH_OUTLET"
