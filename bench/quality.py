"""Extraction quality, measured on the saved fixture pages, side by side with two baselines.

    python -m bench.quality tests/fixtures [--markdown]

For every article fixture (``<code>.html`` with its expected ``<code>.json``) the outlet's
spider parses the page (``parse_article``, as in a crawl) and its item is compared with the
expected one. On the same pages, in the same run, plain ``trafilatura.extract`` (default
settings, whole page) and readability-lxml (``Document(html).summary()``) are scored alike.
Per outlet and overall it prints:

- body precision / recall / F1 over whitespace tokens, as bags of tokens (mean over pages,
  and the worst page's F1). Both sides are normalised first (NFC, ي ك → ی ک, spaces) and
  compared without zero-width non-joiners: trafilatura deletes them all, and this figure
  measures what text was kept, not its orthography (the spider's exact fields keep them);
- exact-match rates of code, title, uptitle, lead and published (the baselines: title only,
  compared in the same lenient form as the body);
- boilerplate leaks: each fixture's ``leaks`` strings found in the extracted text;
- false articles: output from the manifest's non-article pages (soft 404, CDN challenge,
  listing...): an item for the spider, any text at all for a baseline, which cannot tell.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import fmean
from typing import Any

import lxml.html
import trafilatura
from readability import Document
from readability.readability import Unparseable
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from newscrawl.article import Skip, parse_response
from newscrawl.text import normalize_line
from tests.fixture_pages import (
    EXPECTED_FIELDS,
    ArticleFixture,
    article_fixtures,
    make_spider,
    non_article_pages,
    outlet_directories,
    page_response,
)

SPIDER, TRAFILATURA, READABILITY = "spider", "trafilatura", "readability"
EXTRACTORS = (SPIDER, TRAFILATURA, READABILITY)
OVERALL = "overall"
# Fields a mutated page's item must share with its original's expected item: all it holds.
COMPARED_FIELDS = EXPECTED_FIELDS
# Fields compared exactly with the expected item; the baselines only have a title.
EXACT_FIELDS = ("code", "title", "uptitle", "lead", "published")
BASELINE_FIELDS = ("title",)
# Elements after which a browser starts a new line: readability's summary is HTML.
_BLOCK_TAGS = frozenset(
    {"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "br", "blockquote"}
    | {"table", "tr", "td", "th", "section", "article"}
)


@dataclass(frozen=True)
class Extraction:
    """What one extractor made of one page (an extractor returns ``None`` for nothing)."""

    body: str
    searched: str  # the text in which boilerplate must not appear
    fields: dict[str, str | None]


@dataclass(frozen=True)
class PageScore:
    precision: float
    recall: float
    f1: float
    matches: dict[str, bool]
    leaks: tuple[str, ...]  # the expected item's leak strings found in the output
    leaks_checked: int


@dataclass
class Tally:
    """One extractor's scores on a set of pages (one outlet, or all)."""

    pages: list[PageScore] = field(default_factory=list)
    non_articles: int = 0
    false_articles: int = 0

    def add(self, other: Tally) -> None:
        self.pages += other.pages
        self.non_articles += other.non_articles
        self.false_articles += other.false_articles

    def mean(self, attribute: str) -> float:
        return fmean(getattr(p, attribute) for p in self.pages) if self.pages else 0.0

    @property
    def min_f1(self) -> float:
        return min((p.f1 for p in self.pages), default=0.0)

    def match_rate(self, name: str) -> float | None:
        known = [p.matches[name] for p in self.pages if name in p.matches]
        return sum(known) / len(known) if known else None

    @property
    def leaks(self) -> int:
        return sum(len(p.leaks) for p in self.pages)

    @property
    def leaks_checked(self) -> int:
        return sum(p.leaks_checked for p in self.pages)


@dataclass
class Report:
    """Tallies by (outlet or ``OVERALL``, extractor), outlets in directory order."""

    outlets: list[str] = field(default_factory=list)
    tallies: dict[tuple[str, str], Tally] = field(default_factory=dict)

    def tally(self, outlet: str, extractor: str) -> Tally:
        return self.tallies.setdefault((outlet, extractor), Tally())


# --- scoring ---------------------------------------------------------------------------------
def comparable(text: str) -> str:
    """The form in which texts are compared: normalised, one line, without ZWNJs."""
    return normalize_line(text, strip_zwnj=True)


def token_scores(extracted: str, expected: str) -> tuple[float, float, float]:
    """Precision, recall and F1 of ``extracted`` against ``expected`` over whitespace tokens,
    as bags (a token counts as often as it occurs in both)."""
    got, want = Counter(comparable(extracted).split()), Counter(comparable(expected).split())
    if not got and not want:
        return 1.0, 1.0, 1.0
    overlap = sum((got & want).values())
    precision = overlap / sum(got.values()) if got else 0.0
    recall = overlap / sum(want.values()) if want else 0.0
    f1 = 2 * precision * recall / (precision + recall) if overlap else 0.0
    return precision, recall, f1


def found_leaks(text: str, leaks: Iterable[str]) -> tuple[str, ...]:
    haystack = comparable(text)
    return tuple(leak for leak in leaks if comparable(leak) in haystack)


def score_page(
    extraction: Extraction | None, expected: dict, fields: Sequence[str] = EXACT_FIELDS
) -> PageScore:
    leaks = expected.get("leaks", [])
    if extraction is None:
        return PageScore(0.0, 0.0, 0.0, dict.fromkeys(fields, False), (), len(leaks))
    precision, recall, f1 = token_scores(extraction.body, expected["body"])
    matches = {name: extraction.fields.get(name) == expected.get(name) for name in fields}
    return PageScore(
        precision, recall, f1, matches, found_leaks(extraction.searched, leaks), len(leaks)
    )


# --- extractors ------------------------------------------------------------------------------
class SpiderExtractor:
    """The outlet's spider, parsing a page exactly as in a crawl."""

    def __init__(self, outlet: str):
        self.spider = make_spider(outlet)

    def __call__(self, response: Response) -> Extraction | None:
        items = list(self.spider.parse_article(response))
        if not items:
            return None
        item = dict(items[0])
        return Extraction(
            item["body"],
            item["body"] + "\n" + item["text"],
            {name: item.get(name) for name in EXACT_FIELDS},
        )


def trafilatura_extraction(response: Response) -> Extraction | None:
    """Plain ``trafilatura.extract`` on the whole page, default settings; title from its
    metadata extractor."""
    if not isinstance(response, TextResponse):
        return None  # bytes that are not text: nothing to extract from
    html = response.text
    text = trafilatura.extract(html)
    if not text:
        return None
    title = trafilatura.extract_metadata(html).title
    return Extraction(text, text, {"title": comparable(title) if title else None})


def readability_extraction(response: Response) -> Extraction | None:
    """readability-lxml: the text of ``Document(html).summary()``, and its short title."""
    if not isinstance(response, TextResponse):
        return None
    document = Document(response.text)
    try:
        text = html_text(document.summary())
    except Unparseable:  # an empty document
        return None
    if not text.strip():
        return None
    title = document.short_title()
    return Extraction(text, text, {"title": comparable(title) if title else None})


def html_text(html: str) -> str:
    """The text of an HTML fragment, a line break after each block element."""
    root = lxml.html.fromstring(html)
    for element in root.iter(*_BLOCK_TAGS):
        element.tail = "\n" + (element.tail or "")
    return root.text_content()


# --- the report ------------------------------------------------------------------------------
def measure(root: Path) -> Report:
    """Score every extractor on every fixture page under ``root``."""
    report = Report()
    for directory in outlet_directories(root):
        outlet = directory.name
        report.outlets.append(outlet)
        spider = SpiderExtractor(outlet)
        extractors: dict[str, tuple[Callable[[Response], Extraction | None], Sequence[str]]] = {
            SPIDER: (spider, EXACT_FIELDS),
            TRAFILATURA: (trafilatura_extraction, BASELINE_FIELDS),
            READABILITY: (readability_extraction, BASELINE_FIELDS),
        }
        # Each page read and built once, then given to every extractor (none changes it).
        articles: list[tuple[ArticleFixture, Response]] = [
            (fixture, page_response(fixture.url, fixture.page))
            for fixture in article_fixtures(directory)
        ]
        non_articles = [page_response(url, page) for url, page in non_article_pages(directory)]
        for name, (extract, fields) in extractors.items():
            tally = report.tally(outlet, name)
            for fixture, response in articles:
                tally.pages.append(score_page(extract(response), fixture.expected, fields))
            for response in non_articles:
                tally.non_articles += 1
                tally.false_articles += extract(response) is not None
            report.tally(OVERALL, name).add(tally)
    return report


COLUMNS = (
    "outlet",
    "extractor",
    "pages",
    "body P",
    "body R",
    "body F1",
    "min F1",
    *EXACT_FIELDS,
    "leaks",
    "false articles",
)


def rows(report: Report) -> list[list[str]]:
    out = []
    for outlet in (*report.outlets, OVERALL):
        for extractor in EXTRACTORS:
            tally = report.tallies.get((outlet, extractor))
            if tally is None:
                continue
            rates = [tally.match_rate(name) for name in EXACT_FIELDS]
            out.append(
                [
                    outlet,
                    extractor,
                    str(len(tally.pages)),
                    f"{tally.mean('precision'):.4f}",
                    f"{tally.mean('recall'):.4f}",
                    f"{tally.mean('f1'):.4f}",
                    f"{tally.min_f1:.4f}",
                    *("–" if rate is None else f"{rate:.0%}" for rate in rates),
                    f"{tally.leaks}/{tally.leaks_checked}",
                    f"{tally.false_articles}/{tally.non_articles}",
                ]
            )
    return out


def render_text(report: Report) -> str:
    table = [list(COLUMNS), *rows(report)]
    widths = [max(len(row[i]) for row in table) for i in range(len(COLUMNS))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in table
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def render_markdown(report: Report) -> str:
    table = [list(COLUMNS), ["---"] * len(COLUMNS), *rows(report)]
    return "\n".join("| " + " | ".join(row) + " |" for row in table)


# --- the structural fallback, and markup mutations ------------------------------------------
def without_layouts(outlet_class: type) -> type:
    """The outlet with every layout's title and body selectors taken away (so none can match)
    and its known boxes kept: what the structural fallback makes of its pages."""
    layouts = tuple(
        dataclasses.replace(layout, title=(), body=()) for layout in outlet_class.layouts
    )
    return type(f"{outlet_class.__name__}WithoutLayouts", (outlet_class,), {"layouts": layouts})


@dataclass
class FallbackTally:
    """The fallback's body scores on one outlet's article pages, its layouts disabled."""

    outlet: str
    pages: list[PageScore] = field(default_factory=list)
    missed: int = 0  # pages the fallback made no item of


def measure_fallback(root: Path) -> list[FallbackTally]:
    tallies = []
    for directory in outlet_directories(root):
        outlet = without_layouts(load_spider_class(directory.name))
        tally = FallbackTally(directory.name)
        for fixture in article_fixtures(directory):
            response = page_response(fixture.url, fixture.page)
            try:
                fields = parse_response(response, outlet).fields
            except Skip:
                tally.missed += 1
                tally.pages.append(score_page(None, fixture.expected, ()))
                continue
            extraction = Extraction(fields["body"], fields["body"], {})
            tally.pages.append(score_page(extraction, fixture.expected, ()))
        tallies.append(tally)
    return tallies


def render_fallback(tallies: list[FallbackTally]) -> list[list[str]]:
    rows = [["outlet", "pages", "body F1", "min F1", "leaks", "no item"]]
    for tally in tallies:
        leaks = sum(len(p.leaks) for p in tally.pages)
        checked = sum(p.leaks_checked for p in tally.pages)
        rows.append(
            [
                tally.outlet,
                str(len(tally.pages)),
                f"{fmean(p.f1 for p in tally.pages):.4f}" if tally.pages else "–",
                f"{min((p.f1 for p in tally.pages), default=0):.4f}",
                f"{leaks}/{checked}",
                str(tally.missed),
            ]
        )
    return rows


@dataclass
class MutationTally:
    """Variants of one outlet's pages by one mutation, and how many gave the same item."""

    held: int = 0
    variants: int = 0
    failures: list[str] = field(default_factory=list)


def measure_mutations(root: Path) -> dict[tuple[str, str], MutationTally]:
    """For every article fixture and every mutation of it (tests/markup_mutations.py):
    whether the variant gives the original's item (``expected_for`` the mutation)."""
    mutations = load_mutations()
    tallies: dict[tuple[str, str], MutationTally] = {}
    for directory in outlet_directories(root):
        outlet = load_spider_class(directory.name)
        for fixture in article_fixtures(directory):
            html = fixture.page.path.read_bytes().decode("utf-8")
            for name, mutate in mutations.MUTATIONS.items():
                try:
                    variant = mutate(html)
                except mutations.MutationNotApplicable:
                    continue
                tally = tallies.setdefault((directory.name, name), MutationTally())
                tally.variants += 1
                differs = mutation_differences(
                    fixture.url, variant, outlet, mutations.expected_for(name, fixture.expected)
                )
                if differs:
                    tally.failures.append(f"{fixture.id}: {', '.join(differs)}")
                else:
                    tally.held += 1
    return tallies


def mutation_differences(url: str, html: str, outlet: type, expected: dict) -> list[str]:
    """The fields in which the item of ``html`` differs from ``expected`` (["no item"])."""
    response = HtmlResponse(url, body=html.encode("utf-8"), encoding="utf-8", request=Request(url))
    try:
        fields = parse_response(response, outlet).fields
    except Skip as skip:
        return [f"no item ({skip.reason})"]
    return [name for name in COMPARED_FIELDS if not _agrees(fields.get(name), expected.get(name))]


def _agrees(value: Any, expected: Any) -> bool:
    """``expected`` is the value, or a set of the values allowed."""
    return value in expected if isinstance(expected, set) else value == expected


def render_mutations(tallies: dict[tuple[str, str], MutationTally]) -> list[list[str]]:
    outlets = sorted({outlet for outlet, _ in tallies})
    names = sorted({name for _, name in tallies})
    rows = [["mutation", *outlets]]
    for name in names:
        cells = []
        for outlet in outlets:
            tally = tallies.get((outlet, name))
            cells.append(
                f"{tally.held}/{tally.variants} ({tally.held / tally.variants:.0%})"
                if tally and tally.variants
                else "–"
            )
        rows.append([name, *cells])
    return rows


def load_mutations() -> Any:
    """The markup-mutation generator, test support kept with the tests."""
    import importlib

    return importlib.import_module("tests.markup_mutations")


def load_spider_class(name: str) -> type:
    return SpiderLoader.from_settings(get_project_settings()).load(name)


def format_table(rows: list[list[str]], *, markdown: bool) -> str:
    if markdown:
        table = [rows[0], ["---"] * len(rows[0]), *rows[1:]]
        return "\n".join("| " + " | ".join(row) + " |" for row in table)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.quality",
        description="Extraction quality of the spiders on the saved fixture pages, "
        "beside plain trafilatura and readability-lxml.",
    )
    parser.add_argument(
        "fixtures",
        type=Path,
        nargs="?",
        default=Path("tests/fixtures"),
        help="fixture root (tests/fixtures) or one outlet's fixture directory",
    )
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)
    if not outlet_directories(args.fixtures):
        parser.error(f"no outlet fixture directory (with a manifest.tsv) under {args.fixtures}")
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "newscrawl.settings")
    # Skipped non-article pages log warnings (as in a crawl); readability logs its own
    # failures (an empty page) as errors with tracebacks: it returns None for them here.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("readability").setLevel(logging.CRITICAL)
    report = measure(args.fixtures)
    print(render_markdown(report) if args.markdown else render_text(report))
    print("\nStructural fallback, every layout disabled (body scores):\n")
    print(format_table(render_fallback(measure_fallback(args.fixtures)), markdown=args.markdown))
    print("\nMarkup mutations: variants that give the original item:\n")
    mutations = measure_mutations(args.fixtures)
    print(format_table(render_mutations(mutations), markdown=args.markdown))
    for (_, name), tally in sorted(mutations.items(), key=lambda kv: kv[0]):
        for failure in tally.failures:
            print(f"  {name} {failure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
