"""Where a crawl starts: listing pagination, archive walks over a date range, code ranges.

The outlets declare their archive URL templates in their spiders; this module turns spider
arguments (``-a since= -a until=``, ``-a codes=``) into the URLs to walk.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml import etree

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
