"""Where a page's time goes: cProfile output of crawl processes, grouped by stage.

A stage is a set of entry functions; its time is their cumulative time when called from
outside the stage (so a stage calling itself is not counted twice). Stages nested inside
the spider callback are subtracted from it; what no stage claims is Scrapy's engine,
Twisted and start-up.
"""

from __future__ import annotations

import pstats
from dataclasses import dataclass
from pathlib import Path

FunctionKey = tuple[str, int, str]


@dataclass(frozen=True)
class Stage:
    name: str
    entries: tuple[tuple[str, str], ...]  # (file path suffix, function name)
    in_callback: bool = False  # runs inside the spider callback (subtracted from it)


STAGES = (
    Stage("replay: WARC index (start)", (("newscrawl/replay.py", "open_spider"),)),
    Stage("replay: read record, build response", (("newscrawl/replay.py", "retrieve_response"),)),
    Stage(
        "gzip decoding (HttpCompressionMiddleware)",
        (("scrapy/downloadermiddlewares/httpcompression.py", "process_response"),),
    ),
    Stage("parse (lxml via parsel)", (("parsel/selector.py", "create_root_node"),), True),
    Stage(
        "extraction: copy + clean container",
        (("newscrawl/extraction.py", "_prepare"),),
        True,
    ),
    Stage("trafilatura on the container", (("trafilatura/core.py", "bare_extraction"),), True),
    Stage(
        "normalisation",
        (
            ("newscrawl/text.py", "normalize_line"),
            ("newscrawl/text.py", "normalize_paragraphs"),
            ("newscrawl/text.py", "normalize_optional"),
        ),
        True,
    ),
    Stage("document rendering", (("newscrawl/document.py", "render_document"),), True),
    Stage(
        "charset check (CharsetCorrectionMiddleware)",
        (("newscrawl/downloadermiddlewares/charset_correction.py", "process_response"),),
    ),
    Stage(
        "pipelines: dedupe, seen-store, durable commits",
        (
            ("pipelines/dedupe.py", "process_item"),
            ("pipelines/dedupe.py", "item_scraped"),
            ("newscrawl/state.py", "close"),
        ),
    ),
    Stage("output: text files", (("pipelines/text_files.py", "process_item"),)),
    Stage(
        "output: JSON lines (feed export)",
        (("scrapy/extensions/feedexport.py", "item_scraped"),),
    ),
)
CALLBACK = Stage("spider: selectors, fields, checks", (("newscrawl/spider.py", "parse_article"),))
REST = "Scrapy engine, Twisted, start-up (the rest)"


def _matches(key: FunctionKey, stage: Stage) -> bool:
    filename, _, function = key
    return any(filename.endswith(path) and function == name for path, name in stage.entries)


def stage_seconds(stats: pstats.Stats, stage: Stage) -> float:
    """Cumulative time of the stage's entry functions, counting only calls from outside."""
    raw = stats.stats  # type: ignore[attr-defined]
    members = {key for key in raw if _matches(key, stage)}
    total = 0.0
    for key in members:
        _, _, _, cumulative, callers = raw[key]
        if not callers:
            total += cumulative
            continue
        for caller, timing in callers.items():
            if caller not in members:
                total += timing[3]
    return total


def load_stats(profiles: list[Path]) -> pstats.Stats:
    """The cProfile output files, merged."""
    return pstats.Stats(*(str(p) for p in profiles))


def breakdown(stats: pstats.Stats) -> tuple[float, list[tuple[str, float]]]:
    """(total profiled seconds, [(stage, seconds)]) over the merged profiles."""
    total = stats.total_tt  # type: ignore[attr-defined]
    rows = [(stage.name, stage_seconds(stats, stage)) for stage in STAGES]
    nested = sum(sec for stage, (_, sec) in zip(STAGES, rows, strict=True) if stage.in_callback)
    rows.append((CALLBACK.name, max(stage_seconds(stats, CALLBACK) - nested, 0.0)))
    rows.append((REST, max(total - sum(sec for _, sec in rows), 0.0)))
    return total, rows


def top_functions(stats: pstats.Stats, limit: int = 15) -> list[tuple[str, float]]:
    """The functions with the most own time (C functions included), for a closer look."""
    raw = stats.stats  # type: ignore[attr-defined]
    ranked = sorted(raw.items(), key=lambda item: item[1][2], reverse=True)[:limit]
    return [(_label(key), values[2]) for key, values in ranked]


def _label(key: FunctionKey) -> str:
    filename, line, function = key
    if filename == "~":
        return function
    parts = Path(filename).parts
    short = "/".join(parts[-2:]) if len(parts) > 1 else filename
    return f"{short}:{line} {function}"
