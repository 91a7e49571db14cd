"""An article's publication time: the date it shows, or its machine-readable one.

The visible date (the outlet's ``date`` selectors, parsed by ``newscrawl/dates.py``) when it
shows a time; otherwise the page's machine-readable time (``article:published_time``,
JSON-LD ``datePublished``, ``<time datetime>``), in Tehran time; the visible day alone when
nothing better exists. The item says which (``published_source``); a disagreement of more
than a minute is a stat and a log line.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from datetime import datetime

from lxml import etree

from newscrawl.article_block import ArticleScope
from newscrawl.dates import (
    TEHRAN,
    DateError,
    NoDateForm,
    looks_like_date,
    parse_published,
    shows_time,
)
from newscrawl.layout import Selectors
from newscrawl.notes import Note
from newscrawl.selection import Page
from newscrawl.text import normalize_line

# A label ends with a colon and holds no digit (the time "۲۲:۱۵" has a colon too).
DATE_LABEL = re.compile(r"^[^:：\d۰-۹]{1,30}[:：]\s*")
# Machine-readable publication times, page-level metadata of this very page.
_MACHINE_DATES: tuple[tuple[str, str], ...] = (
    ("article:published_time", "/html/head/meta[@property='article:published_time']/@content"),
    ("datePublished", "/html/head/meta[@itemprop='datePublished']/@content"),
)
_TIME_ELEMENT = "time::attr(datetime)"
_JSON_LD = "script[type='application/ld+json']::text"
# The visible date and a machine-readable one this far apart are reported.
DATE_DISAGREEMENT_SECONDS = 60


def choose_published(
    url: str,
    shown: str | None,
    page: Page,
    block: etree._Element,
    notes: list[Note],
) -> tuple[datetime | None, str | None]:
    """The publication time and where it came from: the visible date when it shows a time;
    otherwise a machine-readable one (meta, JSON-LD, ``<time datetime>``) in Tehran time;
    the visible day alone when nothing better exists. A disagreement of more than a minute
    between the two is noted."""
    visible = None
    if shown:
        try:
            visible = parse_published(shown)
        except DateError as error:
            notes.append(Note("date/invalid", f"Bad date on {url}: {error}", logging.WARNING))
    machine = None
    for source, raw in machine_dates(page, block):
        try:
            machine = (parse_published(raw).astimezone(TEHRAN), source)
            break
        except DateError as error:
            notes.append(Note("date/invalid", f"Bad date on {url}: {error}", logging.WARNING))
    if visible is not None and machine is not None:
        apart = abs((visible - machine[0]).total_seconds())
        if apart > DATE_DISAGREEMENT_SECONDS and shows_time(shown or ""):
            notes.append(
                Note(
                    "date/disagree",
                    f"Dates disagree on {url}: shown {shown!r}, {machine[1]} "
                    f"{machine[0].isoformat()}: the shown one is used",
                    logging.INFO,
                )
            )
    if visible is not None and shows_time(shown or ""):
        return visible, "visible"
    if machine is not None:
        return machine[0], machine[1]
    if visible is not None:
        return visible, "visible"
    notes.append(Note("date/missing", f"No date on {url}", logging.INFO))
    return None, None


def shown_date(scope: ArticleScope, selectors: Selectors) -> str | None:
    """The first text the date selectors find that has the form of a date (right or
    wrong); else the first that looks like a broken one (a time or a month name in it,
    reported as a bad date); a text with neither (a box that lost its date) is none."""
    broken = None
    for selector in selectors:
        text = scope.first_text((selector,))
        if not text:
            continue
        try:
            parse_published(DATE_LABEL.sub("", normalize_line(text)))
        except NoDateForm:
            if broken is None and looks_like_date(text):
                broken = text
            continue
        except DateError:
            pass
        return text
    return broken


def machine_dates(page: Page, block: etree._Element) -> Iterator[tuple[str, str]]:
    """(source, raw value) of the page's machine-readable publication times, best first."""
    for source, selector in _MACHINE_DATES:
        for value in page.select(selector):
            if value.strip():
                yield source, value.strip()
    for script in page.select(_JSON_LD):
        yield from (("json-ld", value) for value in _json_ld_dates(script))
    for value in _time_values(page, block):
        if value.strip():
            yield "time", value.strip()
            return


def _time_values(page: Page, block: etree._Element) -> Iterator[str]:
    """``<time datetime>`` of the article block, then (only if needed) of the page."""
    yield from page.select_in(block, _TIME_ELEMENT)
    yield from page.select(_TIME_ELEMENT)


def _json_ld_dates(script: str) -> Iterator[str]:
    try:
        data = json.loads(script)
    except ValueError:
        return
    stack = [data]
    while stack:
        item = stack.pop(0)
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            value = item.get("datePublished")
            if isinstance(value, str) and value.strip():
                yield value.strip()
            stack.extend(v for k, v in item.items() if k == "@graph" or isinstance(v, dict))
