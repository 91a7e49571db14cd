"""Recording: write every fetched response to a WARC file (``-a record=FILE.warc.gz``).

An ``HTTPCACHE_STORAGE`` backend that never has an entry (so every request goes to the
network) and stores each response as a standard WARC ``response`` record: status line,
headers and the body as received (still content-encoded), which ``-a replay=`` and any
WARC tool can read back. When the crawl closes, the WARC's CDXJ index is written beside it
(``FILE.warc.gz.cdxj``, newscrawl/warc_index.py): a replay of it then reads no record
until a page is asked for.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from io import BytesIO
from pathlib import Path

from scrapy import Request, Spider
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.settings import BaseSettings
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newscrawl.warc_index import locked, write_index

logger = logging.getLogger(__name__)

# Scrapy has already undone the chunked framing; the stored payload is the plain body.
_SKIPPED_HEADERS = {b"transfer-encoding", b"content-length"}


class RecordAddon:
    """The record mode's settings, as a Scrapy add-on (``ADDONS`` in settings.py), active
    when ``NEWSCRAWL_RECORD`` is set (by ``-a record=``) and the crawl is not a replay."""

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get("NEWSCRAWL_RECORD") or settings.get("NEWSCRAWL_REPLAY"):
            return
        settings.setdict(
            {
                "HTTPCACHE_ENABLED": True,
                "HTTPCACHE_STORAGE": "newscrawl.record.RecordStorage",
                "HTTPCACHE_POLICY": "scrapy.extensions.httpcache.DummyPolicy",
                "HTTPCACHE_IGNORE_HTTP_CODES": [],
            },
            priority="spider",
        )


class RecordStorage:
    """``HTTPCACHE_STORAGE`` backend writing WARC records (setting ``NEWSCRAWL_RECORD``)."""

    def __init__(self, settings: BaseSettings):
        target = settings.get("NEWSCRAWL_RECORD")
        if not target:
            raise NotConfigured("NEWSCRAWL_RECORD is not set")
        self.path = Path(target)
        self._file = None
        self._writer: WARCWriter | None = None
        self.stats = None

    def open_spider(self, spider: Spider) -> None:
        self.stats = spider.crawler.stats
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Appended to: a second recording run (which fetches only what is new) adds its
        # records to the capture instead of replacing it (WARC files and gzip members
        # concatenate).
        self._file = self.path.open("ab")
        self._writer = WARCWriter(self._file, gzip=self.path.name.endswith(".gz"))
        logger.info("Recording fetched responses to %s", self.path)

    def close_spider(self, spider: Spider) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
            try:
                # Under the lock a replay sorting an older index of this WARC holds.
                with locked(self.path):
                    index = write_index(self.path)
            except Exception as error:  # the WARC is whole: a replay indexes it then
                logger.warning("Could not index %s: %s", self.path, error)
            else:
                logger.info("Indexed %s into %s", self.path, index)

    def retrieve_response(self, spider: Spider, request: Request) -> None:
        return None  # always fetch

    def store_response(self, spider: Spider, request: Request, response: Response) -> None:
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, values in response.headers.items()
            if name.lower() not in _SKIPPED_HEADERS
            for value in values
        ]
        headers.append(("Content-Length", str(len(response.body))))
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = "Unknown"
        http_headers = StatusAndHeaders(f"{response.status} {reason}", headers, protocol="HTTP/1.1")
        record = self._writer.create_warc_record(
            response.url, "response", payload=BytesIO(response.body), http_headers=http_headers
        )
        self._writer.write_record(record)
        self._file.flush()
        self.stats.inc_value("record/responses")
