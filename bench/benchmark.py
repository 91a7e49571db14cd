"""Replay-crawl benchmark: the real crawl against plain trafilatura and a bare lxml parse.

    .venv/bin/python -m bench.benchmark                 # 5,000 pages
    .venv/bin/python -m bench.benchmark --pages 50000   # or --large

Steps, all on the same pages:

1. build a corpus of N article pages from the fixtures (bench/corpus.py): one gzip WARC and
   one URL list per outlet;
2. run ``scrapy crawl <outlet> -a urls=… -a replay=… -O items.jsonl`` in a subprocess per
   outlet (one crawl process at a time), text files and JSON lines written; wall time,
   CPU (user+sys) of each process come from ``os.wait4``, its peak RSS from ``/proc`` (VmHWM);
3. taking turns with the crawls on the CPU, a second at a time (same minutes, same CPU
   speed: ``TakingTurns``), ``trafilatura.extract(html)`` with default settings on each whole
   page, ``lxml.html.fromstring(html)`` alone (the floor), and the spider's
   extraction on the article container it finds (copy, cleaning, trafilatura), timed in CPU
   seconds;
4. where a page's CPU goes: the same crawls with a callback doing nothing, then only
   parsing (bench/floor_spider.py), by difference; and cProfile of crawls over a sample,
   grouped by stage (bench/profile.py);
5. with ``--parallel N``, the crawls again N processes at a time (scaling across processes).

Everything is written under ``--work`` (default ``output/bench``).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path

import lxml.html
import trafilatura

from bench import OUTLET_VARIABLE
from bench.corpus import (
    CHROME,
    NO_CHROME,
    OUTLETS,
    ROOT,
    CorpusInfo,
    build_corpus,
    count_lines,
    iter_pages,
)
from bench.profile import breakdown, load_stats, top_functions
from newscrawl.article import find_article
from newscrawl.discovery import read_url_list
from newscrawl.extraction import extract_body
from newscrawl.selection import Page
from tests.fixture_pages import make_spider

LARGE = 50_000
ALL = "all"  # the "outlet" of a crawlall run
STARTUP_PAGES = 3  # the start-up figure: a crawl of this many pages (and one of none)


@dataclass
class CrawlRun:
    outlet: str
    pages: int
    items: int
    text_files: int
    wall: float
    cpu: float  # user + sys of the crawl process
    max_rss_mb: float  # the crawl's own peak RSS (VmHWM, MiB), see _wait_any
    returncode: int
    skips: dict[str, int]


def crawl_command(
    outlet: str,
    urls: Path,
    replay: Path,
    out: Path,
    *,
    profile: Path | None = None,
    floor: str = "",
) -> list[str]:
    """The crawl as a user runs it (plus a stats file and a private seen-store); with
    ``floor`` the same crawl with a callback that does (almost) nothing (floor_spider.py);
    ``outlet`` "all": ``scrapy crawlall``, every outlet's spider in this one process."""
    prefix = [sys.executable]
    if profile is not None:
        prefix += ["-m", "cProfile", "-o", str(profile)]
    feed, stats = out / "items.jsonl", out / "stats.json"
    if outlet == ALL:
        target = ["crawlall"]
        feed, stats = out / "%(name)s.jsonl", out / "{spider}-stats.json"
    elif floor:
        target = [
            "runspider",
            str(Path(__file__).with_name("floor_spider.py")),
            "-a",
            f"floor={floor}",
        ]
    else:
        target = ["crawl", outlet]
    return [
        *prefix,
        "-m",
        "scrapy",
        *target,
        "-a",
        f"urls={urls}",
        "-a",
        f"replay={replay}",
        "-O",
        str(feed),
        "-s",
        f"NEWSCRAWL_TEXT_DIR={out / 'text'}",
        "-s",
        f"NEWSCRAWL_STATS_FILE={stats}",
        # A fresh seen-store per run: the same codes come back every run.
        "-s",
        f"NEWSCRAWL_STATE={out / 'state.sqlite'}",
        "-s",
        f"NEWSCRAWL_MANIFEST_DIR={out / 'manifests'}",
        "-s",
        f"LOG_FILE={out / 'crawl.log'}",
        "-s",
        "LOG_LEVEL=WARNING",
    ]


@dataclass(frozen=True)
class CrawlJob:
    outlet: str
    urls: Path
    replay: Path
    out: Path
    pages: int
    floor: str = ""


def _child_env(outlet: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env[OUTLET_VARIABLE] = outlet
    return env


def run_crawls(
    jobs: list[CrawlJob], processes: int = 1, turns: TakingTurns | None = None
) -> tuple[list[CrawlRun], float]:
    """Run the crawls, at most ``processes`` at a time; (runs, wall seconds of them all).
    Each child's CPU comes from ``os.wait4`` (its own rusage, not a sum), its peak RSS from
    ``/proc`` (``_wait_any``). With
    ``turns``, the baselines take turns with the crawls on the CPU (``TakingTurns``); the
    seconds a crawl was stopped for them are not in its wall time."""
    pending = list(jobs)
    # The Popen objects are kept until their child is waited for: a dropped one is polled
    # (and its child reaped, out from under os.wait4) when the next Popen starts.
    running: dict[int, tuple[CrawlJob, subprocess.Popen, float]] = {}
    runs: dict[CrawlJob, CrawlRun] = {}
    started_all = time.perf_counter()
    paused_all = 0.0
    peaks: dict[int, int] = {}  # pid -> peak RSS in KiB, as last read
    while pending or running:
        while pending and len(running) < processes:
            job = pending.pop(0)
            if job.out.exists():
                shutil.rmtree(job.out)
            job.out.mkdir(parents=True)
            command = crawl_command(job.outlet, job.urls, job.replay, job.out, floor=job.floor)
            # crawlall prints a summary line per outlet: kept with the crawl's files.
            with (job.out / "stdout.txt").open("wb") as stdout:
                child = subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env=_child_env(job.outlet),
                    stdin=subprocess.DEVNULL,
                    stdout=stdout,
                )
            running[child.pid] = (job, child, time.perf_counter() - paused_all)
        pid, status, usage, paused = _wait_any(list(running), peaks, turns)
        paused_all += paused
        if pid not in running:
            continue
        job, child, started = running.pop(pid)
        # Its wall time but the seconds it was stopped for the baselines.
        wall = time.perf_counter() - paused_all - started
        cpu = usage.ru_utime + usage.ru_stime
        code = os.waitstatus_to_exitcode(status)
        child.returncode = code  # reaped here: the Popen must not wait for it again
        runs[job] = _crawl_result(job, code, wall, cpu, peaks.pop(pid, 0) / 1024)
    return [runs[job] for job in jobs], time.perf_counter() - started_all - paused_all


# How often a running crawl's peak RSS is read (and its exit looked for).
_POLL_SECONDS = 0.005


def _wait_any(
    pids: list[int], peaks: dict[int, int], turns: TakingTurns | None
) -> tuple[int, int, object, float]:
    """Wait for one of the crawls ``pids`` to exit, reading their peak RSS meanwhile, and
    with ``turns`` taking turns with them; (pid, status, rusage, seconds they were stopped).

    The peak is the kernel's high-water mark of the crawl's own memory (``VmHWM``), not
    ``ru_maxrss``: across fork and exec, that one starts from the RSS of the process that
    spawned the crawl (this one, holding the baseline pages and trafilatura)."""
    paused = 0.0
    deadline = time.monotonic() + (turns.slice if turns else float("inf"))
    while True:
        pid, status, usage = os.wait4(-1, os.WNOHANG)
        if pid:
            return pid, status, usage, paused
        for running in pids:
            peaks[running] = max(peaks.get(running, 0), _peak_rss_kib(running))
        if turns is not None and time.monotonic() >= deadline:
            paused += turns.take_turn(pids)
            deadline = time.monotonic() + turns.slice
        time.sleep(_POLL_SECONDS)


def _peak_rss_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # exited meanwhile (its last reading stands), or no /proc
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _crawl_result(job: CrawlJob, code: int, wall: float, cpu: float, rss: float) -> CrawlRun:
    outlets = OUTLETS if job.outlet == ALL else (job.outlet,)
    feeds = [job.out / "items.jsonl"] if job.outlet != ALL else list(job.out.glob("*.jsonl"))
    items = count_lines(feeds)
    text_files = 0
    skips: dict[str, int] = {}
    for outlet in outlets:
        text_dir = job.out / "text" / outlet
        text_files += sum(1 for _ in os.scandir(text_dir)) if text_dir.exists() else 0
    for stats_file in [job.out / "stats.json", *job.out.glob("*-stats.json")]:
        stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
        for name, value in stats.items():
            if name.startswith(("skip/", "replay/miss")):
                skips[name] = skips.get(name, 0) + value
    return CrawlRun(job.outlet, job.pages, items, text_files, wall, cpu, rss, code, skips)


def startup_cost(work: Path, corpus: CorpusInfo) -> list[CrawlRun]:
    """Crawls of no page and of ``STARTUP_PAGES`` pages of the first outlet's indexed WARC:
    the fixed cost of a replay process (imports, settings, engine, index, first pages)."""
    folder = work / "startup"
    folder.mkdir(parents=True, exist_ok=True)
    outlet = next(iter(corpus.pages))
    jobs = []
    for pages in (0, STARTUP_PAGES):
        urls = folder / f"{pages}.urls"
        lines = list(islice(read_url_list(corpus.urls(outlet)), pages))
        urls.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        jobs.append(CrawlJob(outlet, urls, corpus.warc(outlet), folder / f"run{pages}", pages))
    runs, _ = run_crawls(jobs)
    return runs


@dataclass
class Baseline:
    pages: int = 0  # pages measured (a page measured in two passes counts twice)
    parse_cpu: float = 0.0
    trafilatura_cpu: float = 0.0
    container_pages: int = 0  # pages where a declared layout found the article container
    container_cpu: float = 0.0  # the spider's extraction on that container alone
    kilobytes: float = 0.0  # of the pages' HTML (UTF-8)
    # Per outlet: [pages, plain trafilatura CPU seconds, KB], to tell which pages were measured.
    per_outlet: dict[str, list[float]] = field(default_factory=dict)
    passes: int = 1  # over the sample (side by side with crawls: as many as they lasted)

    def trafilatura_line(self) -> str:
        """Plain trafilatura's cost per page and per KB, in all and per outlet."""
        parts = [
            f"{o} {ms(cpu, int(n)):.0f} ms/{kb / n:.0f} KB"
            for o, (n, cpu, kb) in self.per_outlet.items()
            if n
        ]
        return (
            f"plain trafilatura on these pages: {ms(self.trafilatura_cpu, self.pages):.1f} ms a "
            f"page, {1000 * self.trafilatura_cpu / self.kilobytes:.3f} ms a KB "
            f"({self.kilobytes / self.pages:.0f} KB a page; {', '.join(parts)})"
        )


def baseline_sample(corpus: CorpusInfo, every: int) -> list[tuple[str, str]]:
    """(outlet, html) of one page in ``every``: the first, then a seeded random draw (every
    k-th page would meet only the templates that k falls on, the corpus cycling through
    them)."""
    sample = []
    number = 0
    draw = random.Random(0)
    for outlet in corpus.pages:
        for _, html in iter_pages(corpus.warc(outlet)):
            number += 1
            if number == 1 or not draw.randrange(every):
                sample.append((outlet, html))
    return sample


def measure_baseline(baseline: Baseline, outlet: str, html: str) -> None:
    """On one page: lxml parse alone, plain whole-page trafilatura, and the spider's
    extraction on the article container (found by the outlet's layouts, untimed)."""
    started = time.process_time()
    root = lxml.html.fromstring(html)
    parsed = time.process_time()
    trafilatura.extract(html)
    done = time.process_time()
    size = len(html.encode("utf-8")) / 1024
    baseline.pages += 1
    baseline.parse_cpu += parsed - started
    baseline.trafilatura_cpu += done - parsed
    baseline.kilobytes += size
    mine = baseline.per_outlet.setdefault(outlet, [0, 0.0, 0.0])
    mine[0] += 1
    mine[1] += done - parsed
    mine[2] += size
    found = find_article(Page(root, outlet), _outlet_class(outlet))
    if found is not None:
        started = time.process_time()
        extract_body(found.container, found.layout.drop_xpaths)
        baseline.container_cpu += time.process_time() - started
        baseline.container_pages += 1


@functools.cache
def _outlet_class(outlet: str) -> type:
    return type(make_spider(outlet))


def run_baselines(corpus: CorpusInfo, every: int) -> Baseline:
    """The baselines on one page in ``every``, once each, in this process."""
    baseline = Baseline()
    for outlet, html in baseline_sample(corpus, every):
        measure_baseline(baseline, outlet, html)
    return baseline


class TakingTurns:
    """The baselines measured in turns with crawl processes, over the same minutes.

    CPU speed on a shared VM drifts by 10% and more within a minute (trafilatura on the same
    30 pages: 61 to 75 ms a page): a baseline measured before or after the crawls compares two
    different machines. Run at the same time on the other CPU it would slow them both (the
    two CPUs of this VM share a core: everything ~40% slower, and not evenly). So they take
    turns: the crawl processes are stopped (SIGSTOP) for a slice of baseline work, continued
    (SIGCONT) for a slice of their own, and so on. CPU time of each side is as before; the
    crawls' wall time leaves their stopped seconds out. The sample (shuffled, seeded) is
    measured in whole passes: when the crawls end first, the pass is finished alone."""

    def __init__(
        self, corpus: CorpusInfo, every: int, slice_seconds: float = 1.0, share: float = 1.0
    ) -> None:
        self.sample = baseline_sample(corpus, every)
        random.Random(1).shuffle(self.sample)
        self.slice = slice_seconds  # of crawl between two turns of the baselines
        self.share = share  # seconds of baselines a turn, per second of crawl
        self.baseline = Baseline(passes=0)
        self._next = 0
        self.beside = 0  # pages measured while crawls were running

    def take_turn(self, pids: list[int]) -> float:
        """Stop the crawls ``pids``, measure for a slice, continue them; seconds stopped."""
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        stopped = time.perf_counter()
        try:
            self.beside += self._measure_for(self.slice * self.share)
        finally:
            for pid in pids:
                os.kill(pid, signal.SIGCONT)
        return time.perf_counter() - stopped

    def _measure_for(self, seconds: float) -> int:
        started, measured = time.process_time(), 0
        while time.process_time() - started < seconds:
            self._measure_next()
            measured += 1
        return measured

    def _measure_next(self) -> None:
        outlet, html = self.sample[self._next]
        measure_baseline(self.baseline, outlet, html)
        self._next += 1
        if self._next == len(self.sample):
            self._next = 0
            self.baseline.passes += 1

    def result(self) -> Baseline:
        """What was measured, the current pass finished."""
        while self._next or not self.baseline.passes:
            self._measure_next()
        return self.baseline


def run_crawlall(corpus: CorpusInfo, work: Path, turns: TakingTurns | None = None) -> CrawlRun:
    """``scrapy crawlall`` over one WARC of every outlet's pages and their URLs in one list
    (each spider takes its own; the others' are dropped as off-site)."""
    if not corpus.mixed_warc.exists():
        corpus.write_mixed()
    total = sum(corpus.pages.values())
    job = CrawlJob(ALL, corpus.mixed_urls, corpus.mixed_warc, work / "crawlall", total)
    runs, _ = run_crawls([job], turns=turns)
    return runs[0]


def profile_crawls(corpus: CorpusInfo, work: Path, pages: int) -> tuple[list[Path], int]:
    """cProfile crawl processes over the first ``pages`` URLs (split over the outlets);
    (the profiles, the number of URLs written to the samples)."""
    profiles = []
    crawled = 0
    share = max(pages // len(corpus.pages), 1)
    for outlet in corpus.pages:
        out = work / "profile" / outlet
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        urls = out / "sample.urls"
        lines = list(islice(read_url_list(corpus.urls(outlet)), share))
        crawled += len(lines)
        urls.write_text("\n".join(lines) + "\n", encoding="utf-8")
        profile = out / "prof.out"
        command = crawl_command(outlet, urls, corpus.warc(outlet), out, profile=profile)
        code = subprocess.run(command, cwd=ROOT, env=_child_env(outlet), check=False).returncode
        if code != 0:
            raise SystemExit(f"profiled crawl of {outlet} failed, see {out / 'crawl.log'}")
        profiles.append(profile)
    return profiles, crawled


def ms(seconds: float, pages: int) -> float:
    return 1000 * seconds / pages if pages else float("nan")


def _crawl_jobs(corpus: CorpusInfo, work: Path, floor: str = "") -> list[CrawlJob]:
    folder = work / (f"floor-{floor}" if floor else "crawl")
    return [
        CrawlJob(outlet, corpus.urls(outlet), corpus.warc(outlet), folder / outlet, pages, floor)
        for outlet, pages in corpus.pages.items()
    ]


def _print_run(run: CrawlRun) -> None:
    problems = "" if run.returncode == 0 else f", exit {run.returncode}"
    problems += f", {run.skips}" if run.skips else ""
    print(
        f"  {run.outlet:9} {run.pages:7,} pages: {run.items:7,} items, {run.text_files:7,} text "
        f"files, {run.wall:7.1f} s wall, {run.cpu:7.1f} s CPU, {run.max_rss_mb:4.0f} MB peak RSS"
        f"{problems}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=5000, help="corpus size (default 5000)")
    parser.add_argument("--large", action="store_true", help=f"{LARGE:,} pages")
    parser.add_argument(
        "--outlets", default=",".join(OUTLETS), help="comma-separated (default: all four)"
    )
    parser.add_argument("--work", type=Path, default=ROOT / "output" / "bench")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--baseline-every",
        type=int,
        default=1,
        help="run the baselines on one page in k only, drawn at random (default 1: all pages)",
    )
    parser.add_argument(
        "--baseline-share",
        type=float,
        default=1.0,
        help="seconds of baselines per second of crawl while they take turns (default 1;"
        " a long run needs less, e.g. 0.1)",
    )
    parser.add_argument(
        "--profile-pages", type=int, default=2000, help="pages profiled (0: no profile)"
    )
    parser.add_argument(
        "--parallel",
        type=int,
        default=0,
        help="also run the outlets' crawls N at a time and report the throughput",
    )
    parser.add_argument("--no-floors", action="store_true", help="skip the floor crawls")
    parser.add_argument(
        "--no-crawlall",
        action="store_true",
        help="skip the crawlall run (every outlet in one process, over one WARC of them all)",
    )
    parser.add_argument("--reuse-corpus", action="store_true", help="keep an existing corpus")
    parser.add_argument(
        "--plain-fixtures",
        action="store_true",
        help="pages as the fixtures are, without the chrome of real pages (bench/chrome.py)",
    )
    args = parser.parse_args(argv)
    pages = LARGE if args.large else args.pages
    outlets = tuple(o.strip() for o in args.outlets.split(",") if o.strip())
    work: Path = args.work.resolve()
    kind = "plain" if args.plain_fixtures else "chrome"
    corpus_dir = work / f"corpus-{pages}-{'-'.join(outlets)}-{kind}"

    print(f"# newscrawl replay benchmark: {pages:,} pages ({kind}), outlets {', '.join(outlets)}")
    print(
        f"# {platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}, Python "
        f"{platform.python_version()}, trafilatura {trafilatura.__version__}"
    )
    meta = corpus_dir / "corpus.json"
    if args.reuse_corpus and meta.exists():
        corpus = CorpusInfo(corpus_dir, json.loads(meta.read_text())["pages"])
        print(f"corpus: reusing {corpus_dir}")
    else:
        started = time.perf_counter()
        chrome = NO_CHROME if args.plain_fixtures else CHROME
        corpus = build_corpus(corpus_dir, pages, outlets, seed=args.seed, chrome=chrome)
        meta.write_text(json.dumps({"pages": corpus.pages}))
        size = sum(corpus.warc(o).stat().st_size for o in corpus.pages)
        print(
            f"corpus: {pages:,} pages, {size / 2**20:.0f} MB of gzip WARC in "
            f"{time.perf_counter() - started:.0f} s -> {corpus_dir}"
        )

    idle, few = startup_cost(work, corpus)
    print(
        f"start-up: a replay crawl of 0 pages {idle.cpu:.2f} s CPU ({idle.max_rss_mb:.0f} MB "
        f"peak RSS), of {few.pages} pages {few.cpu:.2f} s CPU (target <= 1 s)"
    )
    print(
        "crawls (scrapy crawl <outlet> -a urls=... -a replay=..., one process at a time), "
        f"plain trafilatura taking turns with them on 1 page in {args.baseline_every}:",
        flush=True,
    )
    turns = TakingTurns(corpus, args.baseline_every, share=args.baseline_share)
    runs, wall = run_crawls(_crawl_jobs(corpus, work), turns=turns)
    base = turns.result()
    for run in runs:
        _print_run(run)
    total_pages = sum(r.pages for r in runs)
    cpu = sum(r.cpu for r in runs)
    peak = max(r.max_rss_mb for r in runs)
    pipeline_ms = ms(cpu, total_pages)
    traf_ms = ms(base.trafilatura_cpu, base.pages)
    parse_ms = ms(base.parse_cpu, base.pages)
    container_ms = ms(base.container_cpu, base.container_pages)
    results: dict = {
        "pages": total_pages,
        "outlets": list(outlets),
        "pipeline_cpu_ms_per_page": pipeline_ms,
        "pages_per_second_wall": total_pages / wall,
        "peak_rss_mb": peak,
        "startup": asdict(idle),
        "startup_few_pages": asdict(few),
        "runs": [asdict(r) for r in runs],
        "trafilatura_cpu_ms_per_page": traf_ms,
        "parse_cpu_ms_per_page": parse_ms,
        "container_cpu_ms_per_page": container_ms,
        "baseline": asdict(base),
    }

    print()
    print(f"{'CPU per page':50} {'ms':>8}")
    print(f"{'full pipeline (scrapy crawl, replay, all outputs)':50} {pipeline_ms:8.2f}")
    print(f"{'plain trafilatura.extract(whole page)':50} {traf_ms:8.2f}")
    print(f"{'lxml.html.fromstring(whole page) alone':50} {parse_ms:8.2f}")
    print(f"{'extraction on the article container alone':50} {container_ms:8.2f}")
    print(f"pipeline vs plain trafilatura: {traf_ms / pipeline_ms:.2f}x less CPU (target >= 5x)")
    print(base.trafilatura_line())
    print(f"pipeline vs parse only:        {pipeline_ms / parse_ms:.1f}x the parse")
    print(
        f"throughput: {total_pages / wall:.0f} pages/s wall with one crawl process at a time "
        f"({total_pages / cpu:.0f} pages per CPU second)"
    )
    print(
        f"peak RSS: {peak:.0f} MB (largest process {max(r.pages for r in runs):,} pages; "
        f"target <= 300 MB at 50,000, and within 10% of the 5,000-page figure)"
    )

    crawlall = None
    if not args.no_crawlall and len(corpus.pages) > 1:
        all_turns = TakingTurns(corpus, args.baseline_every, share=args.baseline_share)
        crawlall = run_crawlall(corpus, work, all_turns)
        all_base = all_turns.result()
        all_ms = ms(crawlall.cpu, crawlall.pages)
        all_traf_ms = ms(all_base.trafilatura_cpu, all_base.pages)
        print(
            "crawlall over one WARC of all the outlets' pages, in one process "
            "(scrapy crawlall -a urls=all.urls -a replay=all.warc.gz), plain trafilatura "
            "taking turns with it:"
        )
        _print_run(crawlall)
        print(
            f"  {all_ms:.2f} ms a page CPU, start-up included, against plain trafilatura's "
            f"{all_traf_ms:.2f}: {all_traf_ms / all_ms:.2f}x less CPU (target >= 8x), "
            f"{crawlall.max_rss_mb:.0f} MB peak RSS"
        )
        results["crawlall"] = {
            **asdict(crawlall),
            "cpu_ms_per_page": all_ms,
            "trafilatura_cpu_ms_per_page": all_traf_ms,
            "baseline": asdict(all_base),
        }

    if args.parallel > 1:
        together, together_wall = run_crawls(_crawl_jobs(corpus, work), args.parallel)
        cpu_together = sum(r.cpu for r in together)
        print(
            f"{args.parallel} crawl processes at a time: {total_pages / together_wall:.0f} pages/s "
            f"wall ({together_wall:.0f} s), {ms(cpu_together, total_pages):.2f} CPU ms/page, "
            f"x{wall / together_wall:.2f} the throughput of one at a time"
        )
        results["parallel"] = {
            "processes": args.parallel,
            "pages_per_second_wall": total_pages / together_wall,
            "cpu_ms_per_page": ms(cpu_together, total_pages),
        }

    if not args.no_floors:
        # Whole crawls minus whole crawls: no profiler overhead in these figures.
        engine, _ = run_crawls(_crawl_jobs(corpus, work, "engine"))
        parsed, _ = run_crawls(_crawl_jobs(corpus, work, "parse"))
        engine_cpu = sum(r.cpu for r in engine)
        parse_cpu = sum(r.cpu for r in parsed)
        startup = idle.cpu * len(runs)
        rows = [
            ("process start-up (imports, settings), amortised", startup),
            ("Scrapy engine, replay, gzip, middlewares", engine_cpu - startup),
            ("parse (lxml via parsel)", parse_cpu - engine_cpu),
            ("spider work, pipelines, outputs", cpu - parse_cpu),
        ]
        print("\nwhere a page's CPU goes, by difference of whole crawls (floor_spider.py):")
        for name, seconds in rows:
            print(f"  {name:50} {ms(seconds, total_pages):6.2f} ms")
        print(
            f"  peak RSS: callback doing nothing {max(r.max_rss_mb for r in engine):.0f} MB, "
            f"parse only {max(r.max_rss_mb for r in parsed):.0f} MB"
        )
        results["floors"] = {name: ms(seconds, total_pages) for name, seconds in rows}
        # What no spider, pipeline or output code could go below: the crawl doing nothing
        # but parse, plus the extraction on the container.
        floor_ms = ms(parse_cpu, total_pages) + container_ms
        print(
            f"  floor of this design (parse-only crawl + extraction on the container): "
            f"{floor_ms:.2f} ms, so at most {traf_ms / floor_ms:.1f}x plain trafilatura "
            "on these pages"
        )
        results["design_floor_ms_per_page"] = floor_ms

    if args.profile_pages:
        sample = min(args.profile_pages, total_pages)
        print(
            f"\nwhere a page's time goes, cProfile of crawls over {sample:,} pages (the profiler "
            "inflates Python-heavy stages more than C-heavy ones: read the shares):"
        )
        profiles, profiled_pages = profile_crawls(corpus, work, sample)
        stats = load_stats(profiles)
        total, rows = breakdown(stats)
        print(f"  {'stage':50} {'share':>6} {'ms/page':>8}")
        for name, seconds in rows:
            print(f"  {name:50} {100 * seconds / total:5.1f}% {ms(seconds, profiled_pages):8.2f}")
        print(f"  {'total (profiled)':50} {100.0:5.1f}% {ms(total, profiled_pages):8.2f}")
        print("most own time (time in lxml's C code counts in the Python function calling it):")
        for label, seconds in top_functions(stats, 12):
            print(f"  {100 * seconds / total:5.1f}%  {label}")
        results["profile_shares"] = {name: seconds / total for name, seconds in rows}

    (work / f"results-{pages}-{'-'.join(outlets)}.json").write_text(json.dumps(results, indent=1))
    failed = [
        r.outlet
        for r in [*runs, *([crawlall] if crawlall else [])]
        if r.returncode != 0 or r.items != r.pages
    ]
    if failed:
        print(f"\nWARNING: not every page gave an item in: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
