"""Where a replay crawl's CPU goes, stage by stage, without a profiler's distortion.

    .venv/bin/python -m bench.stages output/bench/corpus-5000-borna-kayhan-mashregh-tasnim-chrome
    .venv/bin/python -m bench.stages CORPUS --outlet kayhan

Runs the crawl as bench/benchmark.py does (``scrapy crawlall`` over the corpus's mixed WARC,
or ``scrapy crawl <outlet>``), in a child process whose stage functions are wrapped to add up
the CPU time (``time.process_time``) spent in them, and the garbage collector's (``gc``
callbacks). cProfile (bench/profile.py) times every call and inflates Python-heavy code two
to three times against lxml's C code; this times a dozen calls a page, ~1 µs each. Stages
nest (the callback holds the parse; finding the block, the page index; a collection, any
stage that allocates): read each against its parent.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

from bench.benchmark import ALL, ROOT, _child_env, crawl_command
from bench.corpus import CorpusInfo

# (module, attribute path, label): the stages wrapped in the crawl process.
STAGES = (
    ("newscrawl.spider", "NewsSpider.build_item", "spider callback: page -> item"),
    ("newscrawl.article", "parse_page", "  parse (lxml, from the body bytes)"),
    ("newscrawl.article", "find_article", "  find the layout's article block"),
    ("newscrawl.selection", "_index", "    of it: the index of classes, tags, attributes"),
    ("newscrawl.article", "extract", "  fields and body"),
    ("newscrawl.extraction", "_prepare", "    of it: copy + clean the container"),
    ("newscrawl.extraction", "trafilatura.bare_extraction", "    of it: trafilatura"),
    ("newscrawl.article", "normalise", "  normalise"),
    ("newscrawl.article", "render", "  render the document"),
    ("newscrawl.replay", "ReplayStorage.retrieve_response", "replay: read the record"),
    (
        "newscrawl.downloadermiddlewares.counted_decompression",
        "CountingHttpCompressionMiddleware.process_response",
        "gzip decoding",
    ),
    (
        "newscrawl.downloadermiddlewares.charset_correction",
        "CharsetCorrectionMiddleware.process_response",
        "charset check",
    ),
    ("pipelines.dedupe", "DedupePipeline.process_item", "dedupe pipeline"),
    ("pipelines.text_files", "TextFilePipeline.process_item", "text files"),
    ("scrapy.exporters", "JsonLinesItemExporter.export_item", "JSON lines"),
)

# Run in the crawl process: wrap the stages, count, write the totals at exit, run scrapy.
_CHILD = """
import atexit, gc, importlib, json, sys, time
stages, out = json.loads(sys.argv.pop(1)), sys.argv.pop(1)
cpu = {}
calls = {}

def wrap(owner, name, label):
    original = getattr(owner, name)
    def timed(*args, **kwargs):
        started = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            cpu[label] = cpu.get(label, 0.0) + time.process_time() - started
            calls[label] = calls.get(label, 0) + 1
    setattr(owner, name, timed)

for module, path, label in stages:
    owner = importlib.import_module(module)
    *parents, name = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    wrap(owner, name, label)

collecting = [0.0]
def on_gc(phase, info):
    if phase == "start":
        collecting[0] = time.process_time()
    else:
        label = f"garbage collection, generation {info['generation']}"
        cpu[label] = cpu.get(label, 0.0) + time.process_time() - collecting[0]
gc.callbacks.append(on_gc)
atexit.register(lambda: open(out, "w").write(json.dumps(
    {"cpu": cpu, "calls": calls, "total": time.process_time()})))
sys.argv[0] = "scrapy"
from scrapy.cmdline import execute
execute()
"""


def run(corpus: CorpusInfo, outlet: str, work: Path) -> dict:
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    if outlet == ALL:
        urls, warc = corpus.mixed_urls, corpus.mixed_warc
        if not warc.exists():
            corpus.write_mixed()
    else:
        urls, warc = corpus.urls(outlet), corpus.warc(outlet)
    command = crawl_command(outlet, urls, warc, work)
    assert command[1:3] == ["-m", "scrapy"]
    totals = work / "stages.json"
    command[1:3] = ["-c", _CHILD, json.dumps(STAGES), str(totals)]
    subprocess.run(command, cwd=ROOT, env=_child_env(outlet), check=True)
    return json.loads(totals.read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="a corpus directory bench.benchmark built")
    parser.add_argument("--outlet", default=ALL, help="an outlet, or all (crawlall; default)")
    parser.add_argument("--work", type=Path, default=ROOT / "output" / "bench" / "stages")
    args = parser.parse_args(argv)
    meta = args.corpus / "corpus.json"
    if not meta.exists():
        print(f"{args.corpus}: not a corpus (no corpus.json); build one with bench.benchmark")
        return 2
    corpus = CorpusInfo(args.corpus.resolve(), json.loads(meta.read_text())["pages"])
    result = run(corpus, args.outlet, args.work.resolve())
    pages = result["calls"].get(STAGES[0][2], 0)
    if not pages:
        print("no page reached the spider callback")
        return 1
    print(f"{args.outlet}: {pages:,} pages, {1000 * result['total'] / pages:.2f} ms CPU a page")
    labels = [label for _, _, label in STAGES] + sorted(
        label for label in result["cpu"] if label.startswith("garbage")
    )
    for label in labels:
        seconds = result["cpu"].get(label, 0.0)
        print(f"  {label:45} {1000 * seconds / pages:7.3f} ms")
    # Top-level stages only; a collection runs inside whatever stage allocates.
    top = [label for label in labels if not label.startswith((" ", "garbage"))]
    accounted = sum(result["cpu"].get(label, 0.0) for label in top)
    rest = result["total"] - accounted
    print(f"  {'the rest: start-up, Scrapy engine, Twisted':45} {1000 * rest / pages:7.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
