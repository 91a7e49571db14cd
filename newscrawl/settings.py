"""Scrapy settings of the newscrawl project.

Live-crawl defaults are polite: robots.txt obeyed, AutoThrottle on, few concurrent requests
per site, retries with backoff. ``-a replay=``, ``-a record=`` and ``REDIS_URL`` adjust what
they need through the add-ons in ``ADDONS``. Override anything with ``-s NAME=value``.
"""

from newscrawl import user_agent

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
COMMANDS_MODULE = "newscrawl.commands"  # scrapy crawl (the project's front door), crawlall
# The modes' bundles of settings, each beside its mode and active only when its setting is
# set (the spider sets NEWSCRAWL_REPLAY / NEWSCRAWL_RECORD from -a replay= / -a record=).
ADDONS = {
    "newscrawl.replay.ReplayAddon": 0,
    "newscrawl.record.RecordAddon": 0,
    "newscrawl.distributed.RedisAddon": 0,
}

# --- identity and politeness -------------------------------------------------------------
# Who to write to about this crawler; appears in the User-Agent.
NEWSCRAWL_CONTACT = "https://github.com/newscrawl/newscrawl"
USER_AGENT = user_agent(NEWSCRAWL_CONTACT)
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
COOKIES_ENABLED = True  # CDN challenge cookies
# Scrapy's default, kept: live crawls accept any TLS certificate (expired, self-signed, for
# another host). True verifies the chain against the system's trust store (OpenSSL's
# SSL_CERT_FILE / SSL_CERT_DIR name another) and the host name; a page that fails is
# dropped with an SSL error counted in downloader/exception_type_count/... .
DOWNLOAD_VERIFY_CERTIFICATES = False
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "fa,en;q=0.5",
}

# --- retries -------------------------------------------------------------------------------
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 520, 522, 524, 408, 429]
# Exponential backoff between retries: base * 2**(attempt-1) seconds, capped; a
# Retry-After header wins when the server sends one.
RETRY_BACKOFF_BASE = 2.0
RETRY_BACKOFF_MAX = 120.0
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newscrawl.downloadermiddlewares.backoff_retry.BackoffRetryMiddleware": 550,
    # Scrapy's own, counting what they drop (newscrawl/downloadermiddlewares/), same places.
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "newscrawl.downloadermiddlewares.counted_redirects.CountingMetaRefreshMiddleware": 580,
    "newscrawl.downloadermiddlewares.counted_decompression.CountingHttpCompressionMiddleware": 590,
    "newscrawl.downloadermiddlewares.counted_redirects.CountingRedirectMiddleware": 600,
    # A page decoded with a wrong declared charset is decoded again (after decompression).
    "newscrawl.downloadermiddlewares.charset_correction.CharsetCorrectionMiddleware": 585,
    # Only active in replay mode: after the HTTP cache (900), before the network.
    "newscrawl.replay.OfflineGuardMiddleware": 950,
    # Only with REDIS_URL: outermost, releases the lease of a download that failed for good.
    "newscrawl.distributed.LeaseDownloaderMiddleware": 50,
}
SPIDER_MIDDLEWARES = {
    # Only with REDIS_URL: releases the lease of a response once handled.
    "newscrawl.distributed.LeaseSpiderMiddleware": 10,
}

# --- items and outputs ----------------------------------------------------------------------
ITEM_PIPELINES = {
    "pipelines.dedupe.DedupePipeline": 100,
    "pipelines.text_files.TextFilePipeline": 300,
}
NEWSCRAWL_TEXT_DIR = "output/text"
# 1 removes zero-width non-joiners from every text field, as the hand-copied seeds lost them:
# then each line of article text is the seeds' own, byte for byte (README, "Text format").
NEWSCRAWL_STRIP_ZWNJ = False
# The seen-store (SQLite file) and run journal; empty: in memory, this run only.
NEWSCRAWL_STATE = "output/state.sqlite3"
# Articles are recorded as seen (after an fsync of their outputs) in batches.
NEWSCRAWL_COMMIT_EVERY = 100
NEWSCRAWL_COMMIT_INTERVAL = 5.0
# Where each run's manifest goes (newscrawl/manifest.py); empty: none written.
NEWSCRAWL_MANIFEST_DIR = "output/manifests"
# A crawl does not start with less free space (MB) on a disk it writes to (text directory,
# seen-store, local feeds); 0: no check.
NEWSCRAWL_MIN_FREE_MB = 100
# How deep a listing or archive walk may paginate (it stops earlier on a page with
# nothing new).
NEWSCRAWL_MAX_LISTING_PAGES = 50
# Local JSON-lines files written one whole line per write call, registered for recovery.
FEED_STORAGES = {
    "": "newscrawl.feeds.LineAtomicFileFeedStorage",
    "file": "newscrawl.feeds.LineAtomicFileFeedStorage",
}
FEED_EXPORT_ENCODING = "utf-8"
# A run that found nothing for an outlet writes no (empty) feed file.
FEED_STORE_EMPTY = False
FEED_EXPORT_FIELDS = [
    "schema_version",
    "outlet",
    "code",
    "url",
    "title",
    "uptitle",
    "lead",
    "body",
    "published",
    "published_text",
    "published_source",
    "category",
    "tags",
    "author",
    "images",
    "text",
    "fetched_at",
    "revision",
]

# Final stats as JSON (``{spider}`` is replaced by the spider name); empty: not written.
NEWSCRAWL_STATS_FILE = ""
# "layout changed?" (a WARNING and the stat extract/layout_changed) when more than this share
# of an outlet's article pages matched none of its layouts (newscrawl/layout_watch.py).
NEWSCRAWL_FALLBACK_ALERT_SHARE = 0.10
# Scrapy's localhost control server (2.19+): unused here, it costs ~0.15 s of start-up
# (aiohttp) and leaves a token file behind every killed crawl. Switched off by its setting,
# not by None in EXTENSIONS: Scrapy imports every key listed there (the spider then leaves
# it out of EXTENSIONS_BASE unimported, newscrawl/spider.py).
REMOTE_CONTROL_ENABLED = False
EXTENSIONS = {
    # The seen-store and run journal's owner (newscrawl/state.py): before Scrapy's feed
    # exports (0), so that crash recovery reads the feed files before they are reopened.
    "newscrawl.state.CrawlStateExtension": -100,
    # Only with REDIS_URL (scrapy-redis's setting): shared queue leases, idle close.
    "newscrawl.distributed.WorkerExtension": 300,
    # New and revised articles written out, for the summary line (newscrawl/summary.py).
    "newscrawl.summary.OutcomeCounter": 350,
    # Before the stats file (500), so that the file has its figures.
    "newscrawl.layout_watch.LayoutWatchExtension": 400,
    # spidermon's monitors at spider close (newscrawl/monitors.py), also before the stats
    # file so that it has their results; their error count is this spider's own (440).
    "newscrawl.extensions.SpiderErrorLogCount": 440,
    # spidermon's extension (newscrawl.monitors.Spidermon: a failed monitor as one ERROR
    # line), imported only when SPIDERMON_ENABLED.
    "newscrawl.extensions.Monitoring": 450,
    "newscrawl.extensions.StatsFileExtension": 500,
}
# gc.freeze() once the engine runs: full collections then walk only what the crawl builds
# (the crawl commands, newscrawl/startup_gc.py).
NEWSCRAWL_GC_FREEZE = True
# A replay of WARCs with more indexed records than this, for a tenth of them or fewer (a URL
# list, codes), looks each request's captures up in their sorted CDXJ indexes (~0.2 ms more
# a request) instead of loading every record at start (~30 µs a record).
NEWSCRAWL_REPLAY_LOAD_MAX_RECORDS = 10_000

# --- monitoring (spidermon; see newscrawl/monitors.py and the README, "Monitoring") ---------
SPIDERMON_ENABLED = True
SPIDERMON_SPIDER_CLOSE_MONITORS = ["newscrawl.monitors.SpiderCloseMonitorSuite"]
SPIDERMON_ADD_FIELD_COVERAGE = True
SPIDERMON_FIELD_COVERAGE_RULES = {
    "ArticleItem/title": 1.0,
    "ArticleItem/body": 1.0,
    "ArticleItem/published": 1.0,
    "ArticleItem/code": 1.0,
}
# A run that found nothing new scrapes no item: no coverage to judge.
SPIDERMON_FIELD_COVERAGE_SKIP_IF_NO_ITEM = True
# Import paths of spidermon actions run when a monitor failed (Slack, e-mail, Telegram...).
NEWSCRAWL_MONITORS_FAILED_ACTIONS: list[str] = []

# --- distributed crawling (only with REDIS_URL set, e.g. -s REDIS_URL=redis://host:6379/0) ---
# A request taken from the shared queue by a worker that then dies goes back after this.
NEWSCRAWL_REDIS_LEASE = 120.0
# An idle worker closes once the shared queue has been empty this long.
NEWSCRAWL_REDIS_IDLE_CLOSE = 30.0
# Discovery is queued by the first worker of a crawl; the others within this many seconds
# take from the queue.
NEWSCRAWL_REDIS_SEED_TTL = 300

# --- engine --------------------------------------------------------------------------------
# Scrapy's MemoryStatsCollector, its attributes read without Scrapy 2.19's deprecation hook
# (~0.13 ms of CPU a page; newscrawl/stats.py).
STATS_CLASS = "newscrawl.stats.StatsCollector"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
# One fingerprint per article, whatever URL form links it (newscrawl/fingerprint.py).
REQUEST_FINGERPRINTER_CLASS = "newscrawl.fingerprint.ArticleKeyFingerprinter"
# Scrapy starts this many asyncio workers for the output of every response; an article page
# yields one item and the pipelines are synchronous. 8 instead of 100 saves ~1 ms of CPU a
# page in a replay crawl (measured with bench/benchmark.py).
CONCURRENT_ITEMS = 8
LOG_LEVEL = "INFO"
# Scrapy's LogStats: one INFO line a minute, "Crawled N pages (at P pages/min), scraped M
# items (at I items/min)" (a long crawl shows its progress).
LOGSTATS_INTERVAL = 60.0
TELNETCONSOLE_ENABLED = False
