"""A synthetic replay corpus: N article pages made from the outlets' fixtures.

Each page is a fixture article with a new article code (in its URL, its visible "کد خبر",
its canonical link and everywhere else the old code appeared, ASCII or Persian digits) and
its body paragraphs in another order. Pages are written per outlet as WARC response
records (``<outlet>.warc.gz``, gzip records; the body gzip-encoded as a live server sends
it and ``-a record=`` stores it), with its CDXJ index (``<outlet>.warc.gz.cdxj``, as
``-a record=`` leaves it) and the list of their URLs (``<outlet>.urls``). Each page first
gets the chrome of a real page of its outlet (``CHROME``, bench/chrome.py).
"""

from __future__ import annotations

import gzip
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import lxml.html
from lxml import etree
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from bench.chrome import Chrome
from newscrawl.selection import Page
from newscrawl.text import to_persian_digits
from newscrawl.warc_index import write_index
from tests.fixture_pages import article_fixtures

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
OUTLETS = ("borna", "kayhan", "mashregh", "tasnim")
# New codes start far above the fixtures' own, so no new code is an old one.
FIRST_CODE = 50_000_000
_MARKER = "bench-paragraph-slot"
_SLOT = re.compile(rf"<!--{_MARKER}-->")
# The chrome each outlet's pages get (bench/chrome.py), so that plain trafilatura costs on
# them what it costs on real pages of that outlet (see bench/README.md for the figures).
CHROME: dict[str, Chrome] = {
    "borna": Chrome(link_boxes=2, wrapper_depth=4, menu_links=100, inline_css_kb=2),
    "kayhan": Chrome(link_boxes=8, wrapper_depth=8, comments=20, menu_links=600, inline_css_kb=0),
    "mashregh": Chrome(link_boxes=6, wrapper_depth=6, comments=10, menu_links=300, inline_css_kb=2),
    "tasnim": Chrome(link_boxes=6, wrapper_depth=6, comments=10, menu_links=300, inline_css_kb=2),
}
NO_CHROME: dict[str, Chrome] = {}


@dataclass(frozen=True)
class PageTemplate:
    """A fixture article split around its body paragraphs, ready to be varied."""

    outlet: str
    code: str
    url: str
    content_type: str
    between: tuple[str, ...]  # markup around the paragraph slots (one more than paragraphs)
    paragraphs: tuple[str, ...]  # each <p> with its tail, serialised

    def render(self, code: str, rng: random.Random) -> tuple[str, str]:
        """(url, html) of this article under ``code``, paragraphs shuffled by ``rng``."""
        order = list(self.paragraphs)
        rng.shuffle(order)
        parts = [self.between[0]]
        for paragraph, after in zip(order, self.between[1:], strict=True):
            parts += [paragraph, after]
        return _recode(self.url, self.code, code), _recode("".join(parts), self.code, code)


def _recode(text: str, old: str, new: str) -> str:
    """Replace the code ``old`` by ``new`` wherever it stands as a whole number."""
    text = re.sub(rf"(?<![0-9]){old}(?![0-9])", new, text)
    persian = to_persian_digits(old)
    return re.sub(rf"(?<![۰-۹]){persian}(?![۰-۹])", to_persian_digits(new), text)


def count_lines(paths: list[Path]) -> int:
    """Lines (JSON lines: items) in the files that exist among ``paths``."""
    total = 0
    for path in paths:
        if path.exists():
            with path.open("rb") as handle:
                total += sum(1 for _ in handle)
    return total


def text_words(outlets: tuple[str, ...] = OUTLETS) -> list[str]:
    """The words of the article fixtures' paragraphs, in order: text for added chrome."""
    words: list[str] = []
    for outlet in outlets:
        for fixture in article_fixtures(FIXTURES / outlet):
            root = lxml.html.fromstring(fixture.page.path.read_bytes())
            for paragraph in root.iter("p"):
                words += paragraph.text_content().split()
    return words


def load_templates(
    outlets: tuple[str, ...] = OUTLETS, chrome: dict[str, Chrome] = CHROME
) -> list[PageTemplate]:
    """The article fixtures (pages with an expected ``<code>.json``) of ``outlets``, each
    with its outlet's ``chrome`` added (none for an outlet not in it)."""
    loader = SpiderLoader.from_settings(get_project_settings())
    words = text_words() if chrome else []
    rng = random.Random(0)
    templates = []
    for outlet in outlets:
        selectors = _body_selectors(loader.load(outlet))
        for fixture in article_fixtures(FIXTURES / outlet):
            page = fixture.page
            html = page.path.read_text(encoding="utf-8")
            if outlet in chrome:
                html = chrome[outlet].apply(html, words, rng)
            between, paragraphs = _split_paragraphs(html, selectors)
            content_type = page.content_type or "text/html; charset=utf-8"
            code = fixture.expected["code"]
            templates.append(
                PageTemplate(outlet, code, fixture.url, content_type, between, paragraphs)
            )
    return templates


def _body_selectors(spider: type) -> list[str]:
    return [selector for layout in spider.layouts for selector in layout.body]


def _split_paragraphs(html: str, body_selectors: list[str]) -> tuple[tuple, tuple]:
    """Cut the page around the ``<p>`` children of the body element that has most of them."""
    root = lxml.html.document_fromstring(html)
    page = Page(root)
    container = None
    for selector in body_selectors:
        found = page.select(selector)
        if found:
            container = found[0]
            break
    paragraphs: list[str] = []
    if container is not None:
        parent = max(container.iter(), key=lambda el: sum(map(_is_paragraph, el)))
        for child in [c for c in parent if _is_paragraph(c)]:
            paragraphs.append(lxml.html.tostring(child, encoding="unicode", with_tail=True))
            slot = etree.Comment(_MARKER)
            parent.replace(child, slot)
    doctype = root.getroottree().docinfo.doctype or "<!DOCTYPE html>"
    between = _SLOT.split(lxml.html.tostring(root, encoding="unicode", doctype=doctype))
    return tuple(between), tuple(paragraphs)


def _is_paragraph(element: etree._Element) -> bool:
    """A <p>, or a <div> that only carries presentation (a body written in divs)."""
    return element.tag == "p" or (element.tag == "div" and set(element.attrib) <= {"style", "dir"})


@dataclass(frozen=True)
class CorpusInfo:
    directory: Path
    pages: dict[str, int]  # per outlet

    def warc(self, outlet: str) -> Path:
        return self.directory / f"{outlet}.warc.gz"

    def urls(self, outlet: str) -> Path:
        return self.directory / f"{outlet}.urls"

    @property
    def mixed_warc(self) -> Path:
        """One WARC of every outlet's pages (for ``scrapy crawlall``), see ``write_mixed``."""
        return self.directory / "all.warc.gz"

    @property
    def mixed_urls(self) -> Path:
        return self.directory / "all.urls"

    def write_mixed(self) -> None:
        """The outlets' WARCs one after the other in one WARC (a .warc.gz is a series of
        gzip members: they concatenate), their URL lists in one list, the WARC indexed."""
        with self.mixed_warc.open("wb") as warc, self.mixed_urls.open("wb") as urls:
            for outlet in self.pages:
                warc.write(self.warc(outlet).read_bytes())
                urls.write(self.urls(outlet).read_bytes())
        write_index(self.mixed_warc)


def build_corpus(
    directory: Path,
    pages: int,
    outlets: tuple[str, ...] = OUTLETS,
    seed: int = 1,
    chrome: dict[str, Chrome] = CHROME,
) -> CorpusInfo:
    """Write ``pages`` varied article pages, round-robin over the fixtures of ``outlets``
    (with ``chrome`` added: ``NO_CHROME`` for the fixtures as they are)."""
    templates = _interleaved(load_templates(outlets, chrome))
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    files = {o: directory / f"{o}.warc.gz" for o in outlets}
    streams = {o: path.open("wb") for o, path in files.items()}
    url_lists = {o: (directory / f"{o}.urls").open("w", encoding="utf-8") for o in outlets}
    writers = {o: WARCWriter(stream, gzip=True) for o, stream in streams.items()}
    counts = dict.fromkeys(outlets, 0)
    try:
        for number in range(pages):
            template = templates[number % len(templates)]
            url, html = template.render(str(FIRST_CODE + number), rng)
            body = gzip.compress(html.encode("utf-8"), compresslevel=6, mtime=0)
            headers = [
                ("Content-Type", template.content_type),
                ("Content-Encoding", "gzip"),
                ("Content-Length", str(len(body))),
            ]
            http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
            writer = writers[template.outlet]
            writer.write_record(
                writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=http)
            )
            url_lists[template.outlet].write(url + "\n")
            counts[template.outlet] += 1
    finally:
        for handle in (*streams.values(), *url_lists.values()):
            handle.close()
    for path in files.values():
        write_index(path)  # as -a record= leaves a WARC: indexed
    return CorpusInfo(directory, {o: n for o, n in counts.items() if n})


def _interleaved(templates: list[PageTemplate]) -> list[PageTemplate]:
    """One page of each outlet in turn, so that any N spreads evenly over the outlets."""
    rank: dict[str, int] = {}
    keyed = []
    for template in templates:
        rank[template.outlet] = rank.get(template.outlet, -1) + 1
        keyed.append((rank[template.outlet], template))
    return [template for _, template in sorted(keyed, key=lambda pair: pair[0])]


def iter_pages(warc: Path) -> Iterator[tuple[str, str]]:
    """(url, decoded html) of every response record of a corpus WARC."""
    with warc.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response":
                continue
            # content_stream() undoes the chunking and the Content-Encoding.
            body = record.content_stream().read()
            yield record.rec_headers.get_header("WARC-Target-URI"), body.decode("utf-8")
