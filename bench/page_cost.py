"""What plain trafilatura's cost on a page depends on: one structural factor varied at a time.

    .venv/bin/python -m bench.page_cost                       # a Kayhan fixture, all factors
    .venv/bin/python -m bench.page_cost --page tests/fixtures/borna/2076019.html --reps 9

Starting from one article fixture (with the chrome the corpus gives its outlet, or none
with ``--bare``), each row changes one ``bench.chrome.Chrome`` field and prints, for
``trafilatura.extract(html)`` with default settings: CPU ms (median of ``--reps`` runs),
page KB, ms per KB, elements, the page's text length (trafilatura's own ``html2txt``), the
extracted length, and whether trafilatura's recall escalation ran (its costliest stage:
a recall-mode re-run of the main extractor and readability plus a jusText candidate, when
the extraction is under 3,000 characters and under 20% of the page's text). The base page
is timed again beside every row: read the ratio column, not the milliseconds, on a busy
machine.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from dataclasses import replace
from pathlib import Path

import lxml.html
import trafilatura
import trafilatura.core
from trafilatura.baseline import html2txt

from bench.chrome import Chrome
from bench.corpus import CHROME, FIXTURES, text_words

_escalations = 0
_recall_retry = trafilatura.core._recall_retry


def _counting_recall_retry(*args, **kwargs):
    global _escalations
    _escalations += 1
    return _recall_retry(*args, **kwargs)


def cpu_ms(html: str, reps: int) -> float:
    """Median CPU ms of ``trafilatura.extract(html)`` over ``reps`` runs (after one more)."""
    trafilatura.extract(html)
    times = []
    for _ in range(reps):
        started = time.process_time()
        trafilatura.extract(html)
        times.append(time.process_time() - started)
    return 1000 * statistics.median(times)


def escalates(html: str) -> bool:
    """Whether trafilatura's recall escalation runs on ``html``."""
    global _escalations
    trafilatura.core._recall_retry = _counting_recall_retry
    try:
        _escalations = 0
        trafilatura.extract(html)
        return _escalations > 0
    finally:
        trafilatura.core._recall_retry = _recall_retry


def variants(base: Chrome) -> list[tuple[str, Chrome]]:
    """The base chrome, then one field changed at a time."""
    rows = [("base", base)]
    for boxes in (0, 5, 10, 20, 30):
        rows.append((f"link_boxes={boxes}", replace(base, link_boxes=boxes)))
    for links in (0, 150, 400):
        rows.append((f"menu_links={links}", replace(base, menu_links=links)))
    for items in (5, 20):
        rows.append((f"box_items={items}", replace(base, box_items=items)))
    for depth in (0, 4, 12):
        rows.append((f"wrapper_depth={depth}", replace(base, wrapper_depth=depth)))
    for comments in (0, 20, 60):
        rows.append((f"comments={comments}", replace(base, comments=comments)))
    for css in (None, 2):
        rows.append((f"inline_css_kb={css}", replace(base, inline_css_kb=css)))
    for script in (0, 30):
        rows.append((f"script_kb={script}", replace(base, script_kb=script)))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--page", type=Path, default=FIXTURES / "kayhan" / "260941.html")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--bare", action="store_true", help="start from no added chrome")
    args = parser.parse_args(argv)
    outlet = args.page.parent.name
    base = Chrome() if args.bare else CHROME.get(outlet, Chrome())
    fixture = args.page.read_text(encoding="utf-8")
    words = text_words()
    print(f"# plain trafilatura {trafilatura.__version__} on {args.page}, base chrome {base}")
    print(
        f"{'variant':22} {'KB':>5} {'elements':>8} {'text':>6} {'out':>6} {'esc':>3} "
        f"{'ms':>6} {'ms/KB':>6} {'x base':>6}"
    )
    base_html = base.apply(fixture, words, random.Random(1))
    for name, chrome in variants(base):
        html = chrome.apply(fixture, words, random.Random(1))
        root = lxml.html.fromstring(html)
        kb = len(html.encode()) / 1024
        ms = cpu_ms(html, args.reps)
        base_ms = cpu_ms(base_html, args.reps)
        out = len(trafilatura.extract(html) or "")
        print(
            f"{name:22} {kb:5.0f} {sum(1 for _ in root.iter()):8} {len(html2txt(root)):6} "
            f"{out:6} {'yes' if escalates(html) else 'no':>3} {ms:6.1f} {ms / kb:6.3f} "
            f"{ms / base_ms:6.2f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
