"""What a replay crawl process imports: nothing it does not use (start-up is CPU paid by every
process; bench/benchmark.py measures it, this only checks what it is made of)."""

from __future__ import annotations

import ast
import gc
import subprocess
from pathlib import Path

import pytest
from crawl_helpers import (
    CRAWL_TIMEOUT,
    ROOT,
    command_with_options,
    crawl_command,
    crawl_env,
    read_result,
)
from test_replay_record import write_warc

from newscrawl import startup_gc
from newscrawl.warc_index import ensure_index

FIXTURE = ROOT / "tests" / "fixtures" / "kayhan" / "260941.html"
URL = "https://kayhan.ir/fa/news/260941/x"
# Run scrapy as `python -m scrapy` does, then list the watched packages that were imported.
_WATCHING = """
import atexit, gc, sys
WATCHED = set(sys.argv.pop(1).split(","))
atexit.register(lambda: print("IMPORTED", sorted(
    {name.split(".")[0] for name in sys.modules} & WATCHED), file=sys.stderr))
atexit.register(lambda: print("FROZEN", gc.get_freeze_count(), file=sys.stderr))
# Whether the garbage collector runs as the crawler is built (the spider made) and as a page
# is processed (its text file written).
def report_collecting(owner, name):
    original = getattr(owner, name)
    def watched(*args, **kwargs):
        print("COLLECTING", gc.isenabled(), file=sys.stderr)
        return original(*args, **kwargs)
    setattr(owner, name, watched)
import scrapy, pipelines.text_files
report_collecting(scrapy.Spider, "__init__")
report_collecting(pipelines.text_files.TextFilePipeline, "process_item")
sys.argv[0] = "scrapy"
from scrapy.cmdline import execute
execute()
"""
WATCHED = ("aiohttp", "tldextract", "cdxj_indexer", "surt", "spidermon", "jsonschema")


def _crawl(tmp_path: Path, *settings: str) -> tuple[list[str], list[dict]]:
    warc = tmp_path / "saved.warc.gz"
    if not warc.exists():
        write_warc(warc, [(URL, 200, [("Content-Type", "text/html")], FIXTURE.read_bytes())])
        ensure_index(warc)  # as -a record= leaves it
    urls = tmp_path / "urls.txt"
    urls.write_text(URL + "\n", encoding="utf-8")
    work = tmp_path / f"run{len(list(tmp_path.glob('run*')))}"
    line = crawl_command("kayhan", work, "-a", f"urls={urls}", "-a", f"replay={warc}")
    assert line[1:3] == ["-m", "scrapy"]
    line[1:3] = ["-c", _WATCHING, ",".join(WATCHED)]
    for setting in settings:
        line += ["-s", setting]
    done = subprocess.run(
        line,
        cwd=ROOT,
        env=crawl_env(),
        capture_output=True,
        text=True,
        timeout=CRAWL_TIMEOUT,
        check=False,
    )
    (work / "stderr.txt").write_text(done.stderr, encoding="utf-8")
    result = read_result(work, done.returncode, done.stderr)
    assert result.returncode == 0, result.log[-2000:]
    imported = done.stderr.rsplit("IMPORTED ", 1)[1].splitlines()[0]
    return ast.literal_eval(imported), result.items


def test_a_replay_crawl_imports_no_server_or_indexer_code(tmp_path: Path):
    imported, items = _crawl(tmp_path)
    assert [item["code"] for item in items] == ["260941"]
    # Not Scrapy's remote control server (aiohttp), not the cookies middleware (tldextract),
    # not the indexer of a WARC that has its index; spidermon runs the monitors.
    assert imported == ["jsonschema", "spidermon"]


def test_a_replay_crawl_does_not_warn_about_the_referer_middleware_it_leaves_out(tmp_path):
    _crawl(tmp_path, "LOG_LEVEL=WARNING")
    log = (tmp_path / "run0" / "stderr.txt").read_text(encoding="utf-8")
    assert "RefererMiddleware" not in log


def test_monitoring_off_imports_no_spidermon(tmp_path: Path):
    imported, items = _crawl(tmp_path, "SPIDERMON_ENABLED=0")
    assert len(items) == 1
    assert imported == []


def _last_stderr(tmp_path: Path) -> str:
    return (tmp_path / f"run{len(list(tmp_path.glob('run*'))) - 1}" / "stderr.txt").read_text()


def _frozen(tmp_path: Path) -> int:
    return int(_last_stderr(tmp_path).rsplit("FROZEN ", 1)[1].split()[0])


def _collecting(tmp_path: Path) -> list[str]:
    lines = _last_stderr(tmp_path).splitlines()
    return [line.split()[1] for line in lines if line.startswith("COLLECTING ")]


def test_start_up_objects_are_frozen_out_of_the_garbage_collectors_way(tmp_path: Path):
    _crawl(tmp_path)
    assert _frozen(tmp_path) > 50_000  # Scrapy, Twisted, lxml, trafilatura... in a replay
    _crawl(tmp_path, "NEWSCRAWL_GC_FREEZE=0")
    assert _frozen(tmp_path) == 0


@pytest.mark.parametrize("freeze", ["1", "0"])
def test_the_garbage_collector_is_off_during_start_up_only(tmp_path: Path, freeze: str):
    _crawl(tmp_path, f"NEWSCRAWL_GC_FREEZE={freeze}")
    # Off as the spider is made; on when the page is processed.
    assert _collecting(tmp_path) == ["False", "True"]


@pytest.fixture
def collector():
    """The collector as a test found it, restored (and anything a test froze, unfrozen)."""
    was_enabled = gc.isenabled()
    yield
    startup_gc.release()
    gc.unfreeze()
    gc.enable() if was_enabled else gc.disable()


def test_start_up_is_frozen_before_the_collector_runs_again(collector):
    startup_gc.hold()
    assert not gc.isenabled()
    built = [[n] for n in range(50_000)]  # what start-up builds, tracked objects
    assert gc.get_count()[0] >= 50_000
    collections = []
    gc.callbacks.append(lambda phase, info: collections.append(info["generation"]))
    try:
        startup_gc.start_up_done(freeze=True)
        after = [[n] for n in range(100)]  # what runs next allocates
    finally:
        gc.callbacks.pop()
    assert gc.isenabled()
    assert gc.get_freeze_count() >= 50_000
    # Frozen before the collector is back: no collection walked what start-up built.
    assert collections == []
    assert built and after


def test_without_the_freeze_the_collector_runs_again_all_the_same(collector):
    startup_gc.hold()
    startup_gc.start_up_done(freeze=False)
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_the_collector_is_left_as_it_was_before_the_hold(collector):
    gc.disable()  # a caller's own choice
    startup_gc.hold()
    startup_gc.release()
    assert not gc.isenabled()
    gc.enable()
    startup_gc.release()  # nothing held: nothing changes
    assert gc.isenabled()


def test_a_command_that_fails_its_checks_releases_the_collector(collector, monkeypatch):
    command, args, opts = command_with_options(["crawl", "kayhan"])

    def broken_check(*_):
        raise RuntimeError("a spider module that does not import")

    monkeypatch.setattr(command, "check", broken_check)
    with pytest.raises(RuntimeError):
        command.process_options(args, opts)
    assert gc.isenabled()
