"""Pages whose declared charset is wrong: decoded by what their bytes are.

Scrapy decodes a page with the charset of its Content-Type header, else of its
``<meta charset>``, else a guess. Servers get it wrong: a UTF-8 page sent as ``windows-1256``
or ``iso-8859-1`` (a server default), an old windows-1256 page declared UTF-8. Decoded with the
wrong codec, the article turns into mojibake or U+FFFD and would be emitted as such.

``CharsetCorrectionMiddleware`` (a downloader middleware, after decompression) re-decodes a
page when its bytes contradict the charset in use, counts it (``encoding/corrected``) and
logs it:

- bytes that are valid UTF-8 (and not plain ASCII) are UTF-8, whatever the declaration:
  text in a legacy codec is practically never valid UTF-8 by chance;
- bytes the codec in use cannot decode are detected again with charset-normalizer (the
  detector Scrapy itself falls back to).

A legacy codec that decodes the bytes cleanly is trusted, as is anything binary (the spider
refuses binary bodies itself, ``skip/not_html``).
"""

from __future__ import annotations

import codecs
import logging

from charset_normalizer import from_bytes
from scrapy.crawler import Crawler
from scrapy.http import Request, Response, TextResponse
from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

_CONTROL_BYTES = bytes(i for i in range(32) if i not in b"\t\n\r\f")
_BINARY_SAMPLE = 4096


def _codec_name(encoding: str) -> str | None:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return None


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _looks_binary(body: bytes) -> bool:
    """NUL bytes, or control characters beyond a stray one (Word's vertical tab in a title)."""
    sample = body[:_BINARY_SAMPLE]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))  # C speed
    return b"\x00" in sample or controls > len(sample) // 100


def actual_encoding(response: TextResponse) -> str | None:
    """The codec the body is really in, when it is not the one the response decodes with;
    None when that one is right (or cannot be shown wrong)."""
    body = response.body
    if body.isascii() or _looks_binary(body):
        return None
    in_use = _codec_name(response.encoding)
    if in_use == "utf-8":
        # The text the spider parses is decoded (and cached) here anyway: without a
        # replacement character it decoded cleanly, and the body needs no second decode.
        if "\ufffd" not in response.text or _decodes(body, "utf-8"):
            return None
    elif _decodes(body, "utf-8"):
        return "utf-8"
    elif in_use is not None and _decodes(body, in_use):
        return None
    match = from_bytes(body).best()
    detected = _codec_name(match.encoding) if match is not None else None
    return detected if detected not in (None, in_use) else None


class CharsetCorrectionMiddleware:
    """Downloader middleware: a response decoded with the wrong charset is decoded again
    with the right one (see the module docstring)."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CharsetCorrectionMiddleware:
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse):
            return response
        actual = actual_encoding(response)
        if actual is None:
            return response
        self.stats.inc_value("encoding/corrected")
        logger.warning(
            "Wrong charset on %s: the bytes are %s, not %s (declared or guessed)",
            response.url,
            actual,
            response.encoding,
        )
        return response.replace(encoding=actual)
