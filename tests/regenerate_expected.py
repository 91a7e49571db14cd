"""Write each fixture page's expected outcome (``<page>.json``) from the current parser.

    .venv/bin/python tests/regenerate_expected.py [tests/fixtures/<outlet> ...]
    git diff tests/fixtures   # then review every change by hand before committing it

An article page gets its item's fields (``newscrawl.article.parse_article``, no crawler);
a page that gives no item gets ``{"skip": "<reason>"}``. Two things are never regenerated,
because only a person reading the page can say them: the ``leaks`` list (strings of the
page's chrome that must never reach the text) and the outcome of a page whose expected JSON
says it is not an article (if the parser now makes an item of it, that is printed as a
regression and the JSON is left alone). The expected JSON is the truth the tests hold the
parser to: a regenerated change is accepted only after checking it against the page.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newscrawl.article import Skip, parse_response  # noqa: E402
from tests.fixture_pages import (  # noqa: E402
    EXPECTED_FIELDS,
    expected_of,
    outlet_directories,
    page_response,
    saved_html_pages,
)


def outcome(outlet_class: type, url: str, page: Any) -> dict[str, Any]:
    """What the parser makes of a saved page: the expected fields, or ``{"skip": reason}``."""
    try:
        article = parse_response(page_response(url, page), outlet_class)
    except Skip as skip:
        return {"skip": skip.reason}
    return {name: article.fields.get(name) for name in EXPECTED_FIELDS}


def regenerate(directory: Path, spiders: SpiderLoader) -> list[str]:
    """Rewrite the expected JSON of every HTML page of one outlet; what changed."""
    outlet_class = spiders.load(directory.name)
    changes = []
    for url, page in saved_html_pages(directory):
        old = expected_of(page)
        new = outcome(outlet_class, url, page)
        if old is not None and "skip" in old:
            if "skip" not in new:
                changes.append(f"REGRESSION {page.path}: now an item, expected {old}")
            continue
        if old is not None and "skip" not in new:
            new["leaks"] = old.get("leaks", [])
        if new != old:
            changed = sorted(k for k in {*new, *(old or {})} if (old or {}).get(k) != new.get(k))
            changes.append(f"{page.path}: {', '.join(changed)}")
            text = json.dumps(new, ensure_ascii=False, indent=2) + "\n"
            page.path.with_suffix(".json").write_text(text, encoding="utf-8")
    return changes


def main(argv: list[str]) -> int:
    roots = [Path(a) for a in argv] or [ROOT / "tests" / "fixtures"]
    spiders = SpiderLoader.from_settings(get_project_settings())
    for root in roots:
        for directory in outlet_directories(root):
            for change in regenerate(directory, spiders):
                print(change)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
