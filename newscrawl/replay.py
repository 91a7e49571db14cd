"""Offline replay: answer every request from saved pages, never from the network.

Plugged into Scrapy's own HTTP-cache machinery: ``ReplayStorage`` is an ``HTTPCACHE_STORAGE``
backend whose entries are WARC response records (``.warc`` / ``.warc.gz``, as written by
warcio, ``-a record=`` or any standard tool) and hand-made fixtures listed in a
``manifest.tsv`` (see tests/fixtures/README.md). A WARC's records are found through its
CDXJ index (``<file>.cdxj``, written beside it once, newscrawl/warc_index.py). A URL that
is not saved is answered with a 404 response and counted in the ``replay/miss`` stat
(article pages also in ``replay/miss_article``), as a missing page would be.
``OfflineGuardMiddleware`` sits between the cache and the downloader and refuses anything
that would still reach the network.
"""

from __future__ import annotations

import logging
import mimetypes
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings
from w3lib.url import canonicalize_url
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader, ChunkedDataReader
from warcio.recordloader import ArcWarcRecord, ArcWarcRecordLoader

from newscrawl.components import leave_out_unless_set
from newscrawl.discovery import read_url_list
from newscrawl.replay_index import ReplayIndex, Row
from newscrawl.urls import on_domains
from newscrawl.warc_index import SortedIndex, ensure_index, prepared_index, read_index

logger = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.tsv"
WARC_SUFFIXES = (".warc", ".warc.gz")
# Hop-by-hop framing that the stored payload no longer has.
_FRAMING_HEADERS = (b"Transfer-Encoding", b"Content-Length")
# Bytes read (and gunzipped) at a time while indexing: most saved pages, gzip-encoded as
# served, are one 15-30 KB record, read in one go (~5% less CPU than warcio's 16 KB steps).
_INDEX_BLOCK_SIZE = 32 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
# Parses one record's WARC and HTTP headers; as ArchiveIterator's own loader, and stateless.
_RECORD_LOADER = ArcWarcRecordLoader(verify_http=False, arc2warc=False)


# Where a replay writes its text files unless NEWSCRAWL_TEXT_DIR is given.
REPLAY_OUTPUT_DIR = "output/replay"


def replay_output_defaults(source: Path, output_dir: str = REPLAY_OUTPUT_DIR) -> dict[str, str]:
    """A replay's own seen-store and text directory, for the settings the user left alone.

    The saved pages are old articles: recorded in the live seen-store, a live crawl would
    never fetch them again. So a replay keeps its seen-store in memory (each replay gives
    every saved article again: run twice, the same items) and writes its text files under
    ``<output_dir>/<source name>/text`` (``tests/fixtures/borna`` -> ``output/replay/borna/``)."""
    name = source.resolve().name
    for suffix in (".gz", ".warc"):
        name = name.removesuffix(suffix)
    return {"NEWSCRAWL_STATE": "", "NEWSCRAWL_TEXT_DIR": f"{output_dir}/{name or 'root'}/text"}


class ReplayAddon:
    """The replay mode's settings, as a Scrapy add-on (``ADDONS`` in settings.py), active
    when ``NEWSCRAWL_REPLAY`` is set (by ``-a replay=`` or ``-s``).

    Set at the spider's priority: they win over the project's live-crawl defaults, and a
    user's own ``-s`` still wins over them."""

    def update_settings(self, settings: BaseSettings) -> None:
        source = settings.get("NEWSCRAWL_REPLAY")
        if not source:
            return
        # Never the live crawl's seen-store and text files, unless the user names them.
        for name, value in replay_output_defaults(Path(source)).items():
            if (settings.getpriority(name) or 0) <= SETTINGS_PRIORITIES["project"]:
                settings.set(name, value, priority="spider")
        settings.setdict(
            {
                "HTTPCACHE_ENABLED": True,
                "HTTPCACHE_STORAGE": "newscrawl.replay.ReplayStorage",
                "HTTPCACHE_POLICY": "scrapy.extensions.httpcache.DummyPolicy",
                "HTTPCACHE_IGNORE_HTTP_CODES": [],
                "HTTPCACHE_EXPIRATION_SECS": 0,
                # The saved pages were fetched under robots.txt already; nothing here
                # touches a server, so politeness delays would only slow the replay.
                "ROBOTSTXT_OBEY": False,
                "AUTOTHROTTLE_ENABLED": False,
                "DOWNLOAD_DELAY": 0,
                "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
                "RETRY_ENABLED": False,
                # Nothing is downloaded (OfflineGuardMiddleware refuses what the saved
                # pages lack): the HTTP(S) handlers are not loaded (their TLS setup costs
                # ~0.1 s of start-up).
                "DOWNLOAD_HANDLERS": {"http": None, "https": None},
            },
            priority="spider",
        )
        # What only shapes a request for a server: no use on saved responses, a few
        # hundredths of a ms a page each (a user's own -s setting still wins). The Referer
        # middleware stays: Scrapy's redirect middlewares look for it and warn without it.
        for middleware in NETWORK_ONLY_MIDDLEWARES:
            leave_out_unless_set(settings, "DOWNLOADER_MIDDLEWARES", middleware)


# Downloader middlewares that only shape a request for a server (authentication, timeout,
# headers, User-Agent, cookies, proxy), by import path: disabling one does not import it
# (newscrawl/components.py).
NETWORK_ONLY_MIDDLEWARES = tuple(
    f"scrapy.downloadermiddlewares.{path}"
    for path in (
        "httpauth.HttpAuthMiddleware",
        "downloadtimeout.DownloadTimeoutMiddleware",
        "defaultheaders.DefaultHeadersMiddleware",
        "useragent.UserAgentMiddleware",
        "cookies.CookiesMiddleware",
        "httpproxy.HttpProxyMiddleware",
    )
)


@dataclass(frozen=True, slots=True)
class SavedPage:
    """Where one saved response lives: a WARC record (by offset) or a fixture file."""

    path: Path
    offset: int | None = None  # set for WARC records
    status: int = 200
    content_type: str | None = None  # for fixture files
    length: int | None = None  # of the WARC record as stored (its gzip member), if known


# A URL that w3lib's canonicalize_url returns unchanged, recognised without it (it costs
# ~45 µs, most of building a replay's lookup table of a large WARC): http(s), a lower-case
# ASCII host, a path of characters kept as they are and upper-case escapes of non-ASCII
# bytes (a percent-encoded Persian slug), no ";" (path parameters), dot segment, query or
# fragment. Checked against
# canonicalize_url by a property test (tests/test_replay_record.py).
_CANONICAL_URL = re.compile(
    r"https?://(?:[a-z0-9-]+\.)*[a-z0-9-]+"
    r"(?!.*/\.)(?:/(?:[A-Za-z0-9\-._~!$&'()*+,=:@]|%[89A-F][0-9A-F])*)+"
)


def url_key(url: str) -> str:
    """Lookup key of a URL: canonical form (sorted query, no fragment), scheme-insensitive."""
    if _CANONICAL_URL.fullmatch(url) is None:
        url = canonicalize_url(url, keep_fragments=False)
    return url.split("://", 1)[-1]


def find_sources(root: Path) -> Iterator[Path]:
    """WARC files and fixture manifests under ``root`` (or ``root`` itself), sorted."""
    if root.is_file():
        yield root
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and (path.name == MANIFEST_NAME or path.name.endswith(WARC_SUFFIXES)):
            yield path


def read_manifest(manifest: Path) -> Iterator[tuple[str, SavedPage]]:
    for number, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) < 2:
            raise ValueError(f"{manifest}:{number}: expected url<TAB>file[<TAB>status<TAB>type]")
        url, name = fields[0].strip(), fields[1].strip()
        status = int(fields[2]) if len(fields) > 2 and fields[2].strip() else 200
        ctype = fields[3].strip() if len(fields) > 3 and fields[3].strip() else None
        yield url, SavedPage(manifest.parent / name, None, status, ctype)


def read_warc_index(warc: Path) -> Iterator[tuple[str, SavedPage]]:
    with warc.open("rb") as stream:
        records = ArchiveIterator(stream, block_size=_INDEX_BLOCK_SIZE)
        for record in records:
            if record.rec_type != "response" or record.http_headers is None:
                continue
            url = record.rec_headers.get_header("WARC-Target-URI")
            if url:
                status = int(record.http_headers.get_statuscode() or 0)
                # The iterator reads every record to its end anyway: its length comes free,
                # and lets retrieval read the record in one go.
                offset, length = records.get_record_offset(), records.get_record_length()
                yield url, SavedPage(warc, offset, status, None, length)


def read_saved_pages(warc: Path, index: Path | None = None) -> Iterator[tuple[str, SavedPage]]:
    """The response records of ``warc``, from its CDXJ index (``index``, or written first
    if it has none, see newscrawl/warc_index.py), else by reading the WARC itself."""
    index = index or ensure_index(warc)
    if index is None:
        yield from read_warc_index(warc)
        return
    for entry in read_index(index):
        yield entry.url, SavedPage(warc, entry.offset, entry.status, None, entry.length)


def read_warc_record(page: SavedPage) -> ArcWarcRecord:
    """The WARC record of ``page`` (read whole into memory), its headers parsed."""
    length = page.length
    if length is None:  # a location not from read_warc_index: warcio finds the record's end
        with page.path.open("rb") as stream:
            stream.seek(page.offset)
            records = ArchiveIterator(stream)
            next(records)
            length = records.get_record_length()
    with page.path.open("rb") as stream:
        stream.seek(page.offset)
        data = stream.read(length)
    if len(data) != length:
        raise OSError(f"{page.path}: WARC record at {page.offset} is cut short (file changed?)")
    if data.startswith(_GZIP_MAGIC):
        # A record of a .warc.gz is one whole gzip member: one call, not warcio's 16 KB steps.
        data = zlib.decompress(data, 16 + zlib.MAX_WBITS)
    # One buffer fill holds the whole record: header lines are then read from memory.
    stream = BufferedReader(BytesIO(data), block_size=len(data))
    return _RECORD_LOADER.parse_record_stream(stream)


def load_response(url: str, page: SavedPage) -> Response:
    """Build the Scrapy response for a saved page (body read from disk now, not at indexing)."""
    if page.offset is None:
        body = page.path.read_bytes()
        ctype = page.content_type or mimetypes.guess_type(page.path.name)[0] or "text/html"
        headers = Headers({"Content-Type": ctype})
        status = page.status
    else:
        record = read_warc_record(page)
        http = record.http_headers
        payload = record.raw_stream
        if (http.get_header("Transfer-Encoding") or "").lower() == "chunked":
            payload = ChunkedDataReader(payload)
        # The payload keeps its Content-Encoding: Scrapy's own decompression middleware
        # undoes it, with its size limits, exactly as for a live response.
        body = payload.read()
        headers = Headers(http.headers)
        for name in _FRAMING_HEADERS:
            headers.pop(name, None)
        status = int(http.get_statuscode())
    cls = responsetypes.from_args(headers=headers, url=url, body=body)
    return cls(url=url, status=status, headers=headers, body=body)


# A capture's rank (ReplayIndex): its source's number, then its place in the source.
_SOURCE_RANK = 1 << 48
# More sources than this are loaded at start whatever their size: a request would search
# each one's index (~40 µs), and keep a file open for each.
_MAX_SEARCHED_SOURCES = 8
# A request's lookup in the sorted index (its SURT key, the search, adding its captures to
# the table) costs ~0.2 ms more than one in the whole table, whose load costs ~30 µs a
# record: searching pays for a replay of up to a tenth of the records or so.
_SEARCHES_PER_LOAD = 10


def expected_requests(spider: Spider) -> int | None:
    """How many pages ``spider`` is to request, when its arguments say so: the lines of its
    URL list (``-a urls=``), its codes (``-a codes=``); None for a crawl that discovers
    them (listings and feeds lead to any number of pages)."""
    urls_file = getattr(spider, "urls_file", None)
    if urls_file is not None:
        return sum(1 for _ in read_url_list(Path(urls_file)))
    codes = getattr(spider, "codes", None)
    return len(codes) if codes is not None else None


def capture_rank(source_number: int, place: int) -> int:
    """The rank of a capture: its source's number in ``find_sources`` order, then its
    place in that source (a WARC record's offset, a manifest line's number)."""
    return source_number * _SOURCE_RANK + place


def url_surt(url: str) -> str:
    """The SURT key of ``url``, as cdxj-indexer computes it for the index's lines."""
    import surt  # imported by the first lookup (with tldextract, ~0.04 s), not at start-up

    try:
        return surt.surt(url)
    except Exception:  # as cdxj-indexer: a URL it cannot take apart is its own key
        return url


class ReplayStorage:
    """``HTTPCACHE_STORAGE`` backend serving saved pages (setting ``NEWSCRAWL_REPLAY``).

    The lookup table of every capture is built at start (~30 µs a record: 1.4 s for
    50,000). Where every source is a WARC with its sorted CDXJ index, at most
    ``_MAX_SEARCHED_SOURCES`` of them, holding more than ``NEWSCRAWL_REPLAY_LOAD_MAX_RECORDS``
    records, and the spider is to request a tenth of them or fewer (a URL list, codes), a
    request's captures are found instead by binary search in the indexes (``SortedIndex``,
    by the SURT key) and added to the table then (~0.2 ms a request; at start, one pass over
    the index lines remains, ~1 ms a 1,000 records). Every capture is
    loaded into the table, once, by the first request for an article that its captures do
    not answer (another URL of the article) and by the first URL with a query (whose URL
    keys can match where SURT keys differ: ``?q=a+b``, ``?q=a%20b``); a page not saved that
    is no article (a listing beyond the saved ones) is a miss without it."""

    def __init__(self, settings: BaseSettings):
        source = settings.get("NEWSCRAWL_REPLAY")
        if not source:
            raise NotConfigured("NEWSCRAWL_REPLAY is not set")
        self.root = Path(source)
        if not self.root.exists():
            raise FileNotFoundError(f"replay source {self.root} does not exist")
        # Where each saved response lives, never its body (read at retrieval), on disk.
        self.index: ReplayIndex | None = None
        self.article_key: Callable[[str], object | None] = lambda url: None
        self.stats = None
        self.domains: tuple[str, ...] = ()
        self.sources: list[Path] = []
        # The sorted indexes searched per request, until every capture is in the table.
        self.sorted_indexes: list[SortedIndex] = []
        self.index_paths: dict[Path, Path] = {}  # a WARC source -> its index, known fresh
        self.load_max_records = settings.getint("NEWSCRAWL_REPLAY_LOAD_MAX_RECORDS", 10_000)

    def open_spider(self, spider: Spider) -> None:
        self.stats = spider.crawler.stats
        self.article_key = getattr(spider, "article_key", self.article_key)
        # Only the pages of the spider's own sites: Scrapy's off-site middleware, before the
        # cache, drops any request for another site's. A WARC of every outlet replayed by
        # crawlall's spiders is so indexed once in all, a quarter by each.
        self.domains = tuple(getattr(spider, "allowed_domains", None) or ())
        self.index = ReplayIndex()
        self.sources = list(find_sources(self.root))
        if self.sources and all(s.name.endswith(WARC_SUFFIXES) for s in self.sources):
            prepared = {source: prepared_index(source) for source in self.sources}
            self.index_paths = {s: index[0] for s, index in prepared.items() if index is not None}
            records = self._records_to_search(
                spider, [index[1] if index is not None else None for index in prepared.values()]
            )
            if records is not None:
                self._open_sorted_indexes()
                logger.info(
                    "Replaying from %s: %d indexed records, looked up as requested",
                    self.root,
                    records,
                )
                self.stats.set_value("replay/indexed_records", records)
                return
        self._load_every_capture()

    def _records_to_search(self, spider: Spider, lines: list[int | None]) -> int | None:
        """The records in the sources' sorted indexes (``lines``: None for an index not
        sorted), if ``spider``'s requests are to be searched in them (see the class's
        docstring); None: the table is loaded at start."""
        if None in lines or len(lines) > _MAX_SEARCHED_SOURCES:
            return None
        records = sum(lines)
        if records <= self.load_max_records:
            return None
        # Counted last: a replay of a small archive never reads its URL list for this.
        requests = expected_requests(spider)
        if requests is None or requests * _SEARCHES_PER_LOAD > records:
            return None
        return records

    def _open_sorted_indexes(self) -> None:
        try:
            for source in self.sources:
                self.sorted_indexes.append(SortedIndex(self.index_paths[source]))
        except BaseException:
            self._close_sorted_indexes()
            raise

    def _add(self, url: str, page: SavedPage, rank: int) -> bool:
        if self.domains and not on_domains(self.domains, url):
            return False
        self.index.add(url, url_key(url), page, self.article_key(url), rank)
        return True

    def _load_every_capture(self) -> None:
        """Every capture of the spider's sites into the table (and no more lookups in the
        sorted indexes: the table has all they would find)."""
        self._close_sorted_indexes()
        other_sites = 0
        for number, source in enumerate(self.sources):
            if source.name == MANIFEST_NAME:
                entries = (
                    (url, page, line) for line, (url, page) in enumerate(read_manifest(source))
                )
            else:
                saved = read_saved_pages(source, self.index_paths.get(source))
                entries = ((url, page, page.offset) for url, page in saved)
            for url, page, place in entries:
                if not self._add(url, page, capture_rank(number, place)):
                    other_sites += 1
        self.index.commit()
        saved = len(self.index)
        logger.info(
            "Replaying %d saved URLs from %s (%d saved responses of other sites left out)",
            saved,
            self.root,
            other_sites,
        )
        self.stats.set_value("replay/saved_urls", saved)
        if other_sites:
            self.stats.set_value("replay/other_site_responses", other_sites)

    def _load_captures_of(self, url: str) -> None:
        """The captures under ``url``'s SURT key (every capture of its URL key among them)."""
        key = url_surt(url)
        for number, index in enumerate(self.sorted_indexes):
            source = self.sources[number]
            for entry in index.find(key):
                page = SavedPage(source, entry.offset, entry.status, None, entry.length)
                self._add(entry.url, page, capture_rank(number, entry.offset))

    def _close_sorted_indexes(self) -> None:
        for index in self.sorted_indexes:
            index.close()
        self.sorted_indexes = []

    def close_spider(self, spider: Spider) -> None:
        self._close_sorted_indexes()
        if self.index is not None:
            self.index.close()
            self.index = None

    def _find(self, url: str) -> Row | None:
        # The URL as saved, as a rule: no need to canonicalise it (see ReplayIndex).
        return self.index.find_url(url) or self.index.find(url_key(url))

    def retrieve_response(self, spider: Spider, request: Request) -> Response:
        found = None
        if self.sorted_indexes:
            if urlsplit(request.url).query:
                self._load_every_capture()  # see the class's docstring
            else:
                self._load_captures_of(request.url)
                found = self._find(request.url)
                if found is None and self.article_key(request.url):
                    # Maybe saved as another URL of the article: the whole table, once.
                    self._load_every_capture()
        found = found or self._find(request.url)
        article = None
        if found is None:
            # Another URL of the same article (other slug, short host, www...), as the site
            # itself would serve it.
            article = self.article_key(request.url)
            found = self.index.find_article(article) if article is not None else None
        page = SavedPage(*found) if found is not None else None
        if page is None:
            self.stats.inc_value("replay/miss")
            if article is not None:  # an article page, not a listing beyond the saved ones
                self.stats.inc_value("replay/miss_article")
            logger.info("Replay miss (404): %s", request.url)
            return Response(url=request.url, status=404, body=b"", flags=["replay-miss"])
        self.stats.inc_value("replay/hit")
        return load_response(request.url, page)

    def store_response(self, spider: Spider, request: Request, response: Response) -> None:
        """Replay never stores: every response already comes from the saved pages."""


class OfflineGuardMiddleware:
    """Downloader middleware placed after the HTTP cache in replay mode: any request still
    on its way to the network is refused and counted (``replay/blocked``)."""

    def __init__(self, stats) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.get("NEWSCRAWL_REPLAY"):
            raise NotConfigured
        return cls(crawler.stats)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        self.stats.inc_value("replay/blocked")
        logger.error("Replay mode: refused to fetch %s from the network", request.url)
        raise IgnoreRequest(f"replay mode is offline: {request.url}")
