"""Where a crawl starts: listing pagination, archive walks over a date range, code ranges.

The outlets declare their archive URL templates in their spiders; this module turns spider
arguments (``-a since= -a until=``, ``-a codes=``) into the URLs to walk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import islice
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml import etree
from w3lib.url import url_query_parameter

from newscrawl.dates import jalali_parts


def with_query_param(url: str, name: str, value: object) -> str:
    """``url`` with query parameter ``name`` set to ``value`` (added or replaced)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    query.append((name, str(value)))
    return urlunsplit(parts._replace(query=urlencode(query, safe="/")))


def parse_code_range(text: str) -> range:
    """``-a codes=FROM-TO`` (inclusive, either order)."""
    first, sep, last = text.partition("-")
    if not sep or not first.strip().isdigit() or not last.strip().isdigit():
        raise ValueError(f"codes={text!r}: expected FROM-TO, e.g. codes=2076000-2076100")
    low, high = sorted((int(first), int(last)))
    return range(low, high + 1)


def archive_start_urls(template: str, since: date, until: date) -> Iterator[str]:
    """First archive page(s) for the range: one URL when the template takes the range
    (``{from_jalali}``, ``{to_jalali}``), else one per day, newest first (``{jalali}``,
    ``{jy}``, ``{jm}``, ``{jd}``, ``{iso}``)."""
    if since > until:
        since, until = until, since
    if "{from_" in template:
        start, end = jalali_parts(since), jalali_parts(until)
        yield template.format(
            **{f"from_{k}": v for k, v in start.items()}, **{f"to_{k}": v for k, v in end.items()}
        )
        return
    day = until
    while day >= since:
        yield template.format(**jalali_parts(day))
        day -= timedelta(days=1)


def next_page_url(url: str, param: str) -> str:
    """The next page of a listing whose page number is query parameter ``param``."""
    current = url_query_parameter(url, param)
    return with_query_param(url, param, int(current or 1) + 1)


# URLs the user named (-a urls, -a codes) are fetched exactly as given, once each.
EXACT_URL_KINDS = frozenset({"urls_file", "codes"})
LOOKUP_BATCH = 500


@dataclass
class LinkBatch:
    """The new articles among one batch of links, and what the batch held."""

    articles: list[str]  # URLs of articles to request
    unidentified: list[str]  # named URLs (-a urls) that name no article: fetched as given
    candidates: int  # distinct articles linked that this run had not requested yet
    already_known: int  # of them, known to the seen-store


@dataclass
class ArticleLinks:
    """The article links of one crawl: which it requested, and which the seen-store knew."""

    scheduled: set[tuple[str, str]] = field(default_factory=set)  # requested in this run
    skipped: set[tuple[str, str]] = field(default_factory=set)  # not requested: seen before

    @property
    def known(self) -> int:
        return len(self.skipped)

    def new_in_batches(
        self,
        urls: Iterable[str],
        kind: str,
        key_of: Callable[[str], tuple[str, str] | None],
        lookup: Callable[[dict], Mapping] | None,
    ) -> Iterator[LinkBatch]:
        """``urls`` in batches of ``LOOKUP_BATCH``, each with its new articles: not yet
        requested in this run and (``lookup``, the seen-store's ``get_many``; None when
        refreshing) not seen before. A long URL list is never held whole in memory."""
        urls = iter(urls)
        while batch := list(islice(urls, LOOKUP_BATCH)):
            yield self._new(batch, kind, key_of, lookup)

    def _new(self, urls, kind, key_of, lookup) -> LinkBatch:
        candidates: dict[tuple[str, str], str] = {}
        unidentified = []
        for url in urls:
            key = key_of(url)
            if key is None:
                if kind == "urls_file":
                    unidentified.append(url)
            elif key not in self.scheduled and key not in candidates:
                candidates[key] = url
        known = lookup(candidates) if lookup is not None else {}
        self.skipped.update(known)
        articles = []
        for key, url in candidates.items():
            if key in known:
                continue
            if kind not in EXACT_URL_KINDS:  # a URL list is taken once (the dupefilter)
                self.scheduled.add(key)
            articles.append(url)
        return LinkBatch(articles, unidentified, len(candidates), len(known))


def link_hrefs(area: etree._Element) -> list[str]:
    """Links inside a listing's area (the area itself may be a link); element.xpath, as in
    newscrawl/selection.py, not a compiled XPath kept across documents."""
    return area.xpath("descendant-or-self::a/@href", smart_strings=False)


def read_url_list(path: Path) -> Iterator[str]:
    """URLs of a ``-a urls=`` file: one per line; blank lines and ``#`` comments skipped.
    Read as the crawl goes: a list of a million URLs is never in memory whole."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            line = line.strip()
            if line and not line.startswith("#"):
                yield line
