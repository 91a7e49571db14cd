"""The user's front door, end to end: bad arguments, the summary lines, replay kept apart from
the live state, and the README's examples run as printed. Real ``scrapy`` processes in a
scratch copy of the project (so that nothing is written into the source tree)."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, OUTLETS, ROOT, article_fixtures
from crawl_helpers import CRAWL_TIMEOUT, command_with_options, crawl_command, crawl_env
from scrapy.settings import Settings

from newscrawl import startup_gc

PROJECT_PARTS = ("scrapy.cfg", "newscrawl", "spiders", "pipelines", "tests")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A scratch project directory: the project's code and fixtures linked in, its own
    ``output/``."""
    root = tmp_path / "project"
    root.mkdir()
    for part in PROJECT_PARTS:
        (root / part).symlink_to(ROOT / part)
    return root


def scrapy(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=cwd,
        env=crawl_env(),
        capture_output=True,
        text=True,
        timeout=CRAWL_TIMEOUT,
        check=False,
    )


# --- bad arguments: one line on stderr, exit status 2 --------------------------------------
BAD_ARGUMENTS = [
    (["-a", "replay=/nonexistent"], "-a replay=/nonexistent: no such file or directory"),
    (["-a", "since=yesterday"], "-a since=yesterday: not a day; expected since=2024-03-01"),
    (["-a", "until=1403/13/40"], "-a until=1403/13/40: no such day"),
    (
        ["-a", "since=2024-04-01", "-a", "until=2024-03-01"],
        "-a since=2024-04-01 is after -a until=2024-03-01",
    ),
    (["-a", "codes=12-x"], "-a codes=12-x: not a range of codes; expected codes=FROM-TO"),
    (["-a", "max_pages=0"], "-a max_pages=0: not a whole number from 1"),
    (["-a", "max_pages=many"], "-a max_pages=many: not a whole number from 1"),
    (["-a", "refresh=maybe"], "-a refresh=maybe: not a yes/no value; expected refresh=1"),
    (["-a", "urls=/no/such/list.txt"], "-a urls=/no/such/list.txt: no such file"),
    (["-a", "record=capture.txt"], "-a record=capture.txt: not a WARC file name"),
    (
        ["-a", f"replay={FIXTURES}", "-a", "record=c.warc.gz"],
        "-a replay= and -a record= exclude each other",
    ),
    (["-a", "replays=tests/fixtures"], "-a replays=: unknown spider argument; valid: urls,"),
    (["-s", "NEWSCRAWL_REPLAY=/nonexistent"], "-s NEWSCRAWL_REPLAY=/nonexistent: no such file"),
    (["-a", "since"], "Invalid -a value, use -a NAME=VALUE"),
    (["-s", "LOG_FILE=tests"], "-s LOG_FILE=tests: a directory; expected LOG_FILE=FILE"),
    (
        ["-s", "LOG_FILE=scrapy.cfg/crawl.log"],
        "-s LOG_FILE=scrapy.cfg/crawl.log: its directory cannot be made (",
    ),
]


@pytest.mark.parametrize("command", ["crawl", "crawlall"])
@pytest.mark.parametrize(("arguments", "message"), BAD_ARGUMENTS)
def test_a_bad_argument_is_one_line_and_exit_status_2(project, command, arguments, message):
    outlet = ["kayhan"] if command == "crawl" else []
    done = scrapy(project, command, *outlet, *arguments, "-O", "output/%(name)s.jsonl")
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.splitlines() == [done.stderr.strip()], done.stderr[-2000:]
    assert done.stderr.startswith(f"scrapy {command}: error: {message}"), done.stderr
    assert done.stdout == ""
    assert not (project / "output").exists()  # nothing started


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["crawl", "nosuch"], "scrapy crawl: error: no outlet named 'nosuch'; valid: "),
        (["crawlall", "kayhan,nosuch"], "scrapy crawlall: error: no outlet named 'nosuch'; "),
        (["crawl"], "scrapy crawl: error: name one outlet: scrapy crawl OUTLET"),
        (["crawl", "kayhan", "tasnim"], "scrapy crawl: error: name one outlet"),
        (["crawlall", "-O", "all.jsonl"], "scrapy crawlall: error: -o/-O all.jsonl: the spiders"),
    ],
)
def test_unknown_outlets_and_bad_outputs_are_one_line(project, arguments, message):
    done = scrapy(project, *arguments)
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.splitlines() == [done.stderr.strip()]
    assert done.stderr.startswith(message), done.stderr
    if "no outlet" in message:
        assert done.stderr.strip().endswith("valid: " + ", ".join(sorted(OUTLETS)))


def test_the_log_file_directory_is_made_as_the_outputs_are(project):
    done = scrapy(
        project, "crawl", "kayhan", "-a", f"replay={FIXTURES / 'kayhan'}",
        "-O", "output/kayhan.jsonl", "-s", "LOG_FILE=output/logs/new/crawl.log",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Spider closed" in (project / "output/logs/new/crawl.log").read_text()


def test_a_spider_without_an_archive_refuses_a_date_range():
    """The same check in the spider itself (a crawl started by scrapyd goes through it)."""
    from newscrawl.arguments import parse_spider_arguments

    class NoArchive:
        name, archive_url, code_url = "noarchive", None, None

    with pytest.raises(Exception, match=r"-a since=: noarchive has no date archive"):
        parse_spider_arguments(NoArchive, {"since": "2024-03-01"})


# --- summaries and exit statuses ---------------------------------------------------------
def test_crawl_prints_one_summary_line(tmp_path):
    command = crawl_command("borna", tmp_path, "-a", f"replay={FIXTURES / 'borna'}")
    done = subprocess.run(
        command, cwd=ROOT, env=crawl_env(), capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    articles = len(article_fixtures("borna"))
    assert done.stdout.splitlines() == [
        f"borna: {articles} new, 0 revised, 0 unchanged,"
        " 3 skipped (1 soft_404, 1 cdn_challenge, 1 empty_body), 0 failed (ok)"
    ]
    # Progress: Scrapy's LogStats, on, at least every minute.
    assert re.search(r"Crawled \d+ pages \(at \d+ pages/min\), scraped \d+ items", done.stderr)
    settings = Settings()
    settings.setmodule("newscrawl.settings")
    assert 0 < settings.getfloat("LOGSTATS_INTERVAL") <= 60
    # The redirect middlewares find the Referer middleware (they warned twice a run).
    assert "found no scrapy.spidermiddlewares.referer.RefererMiddleware" not in done.stderr
    assert "Traceback" not in done.stderr


def test_crawl_with_no_usable_start_page_exits_1(tmp_path):
    """Every feed and listing answered by a CDN challenge: nothing can be discovered."""
    source = tmp_path / "pages"
    shutil.copytree(FIXTURES / "borna", source)
    manifest = source / "manifest.tsv"
    text = manifest.read_text(encoding="utf-8")
    blocked = text.replace("\tfeed.xml\t", "\tchallenge.html\t")
    manifest.write_text(blocked.replace("\tlisting.html\t", "\tchallenge.html\t"), "utf-8")
    command = crawl_command("borna", tmp_path / "run", "-a", f"replay={source}")
    done = subprocess.run(
        command, cwd=ROOT, env=crawl_env(), capture_output=True, text=True, check=False
    )
    assert done.returncode == 1, done.stderr[-3000:]
    [line] = done.stdout.splitlines()
    assert line.startswith("borna: 0 new,") and "FAILED: no start page could be used" in line
    assert "Traceback" not in done.stderr


def test_crawlall_refresh_counts_what_it_fetched_again(tmp_path):
    state = tmp_path / "state.sqlite3"

    def crawlall(run: str, *args: str) -> subprocess.CompletedProcess:
        command = crawl_command(
            "", tmp_path / run, "-a", f"replay={FIXTURES}", *args, state=state, command="crawlall"
        )
        command[command.index("-O") + 1] = str(tmp_path / run / "%(name)s.jsonl")
        return subprocess.run(
            command, cwd=ROOT, env=crawl_env(), capture_output=True, text=True, check=False
        )

    assert crawlall("first").returncode == 0
    again = crawlall("again")
    refreshed = crawlall("refresh", "-a", "refresh=1")
    for done in (again, refreshed):
        assert done.returncode == 0, done.stderr[-3000:]
    for outlet, seen_line, refresh_line in zip(
        sorted(OUTLETS), again.stdout.splitlines(), refreshed.stdout.splitlines(), strict=True
    ):
        articles = len(article_fixtures(outlet))
        # Known articles are not fetched: skipped as seen.
        assert seen_line.startswith(f"{outlet}: 0 new, 0 revised, 0 unchanged, ")
        assert f"({articles} seen, " in seen_line, seen_line
        # Fetched again, none changed: every one counted as unchanged, none as seen.
        assert refresh_line.startswith(f"{outlet}: 0 new, 0 revised, {articles} unchanged, ")
        assert " seen" not in refresh_line, refresh_line
    # An unchanged article is an ordinary outcome: INFO, not WARNING.
    dropped = [line for line in refreshed.stderr.splitlines() if "Dropped: article" in line]
    assert len(dropped) == sum(len(article_fixtures(o)) for o in OUTLETS)
    assert all("] INFO: Dropped: article" in line for line in dropped), dropped[:2]


# --- replay kept apart from the live state -------------------------------------------------
def test_replay_never_touches_the_live_state_and_gives_the_same_items_twice(project):
    command = ["crawl", "borna", "-a", "replay=tests/fixtures/borna", "-O", "output/borna.jsonl"]
    outputs = []
    for _ in range(2):
        done = scrapy(project, *command)
        assert done.returncode == 0, done.stderr[-3000:]
        outputs.append((project / "output" / "borna.jsonl").read_text(encoding="utf-8"))
    first, second = ([line[:200] for line in out.splitlines()] for out in outputs)
    assert len(first) == len(second) == len(article_fixtures("borna"))
    assert not (project / "output" / "state.sqlite3").exists()
    assert not (project / "output" / "text").exists()
    texts = sorted(p.stem for p in (project / "output/replay/borna/text/borna").glob("*.txt"))
    assert texts == sorted(f.expected["code"] for f in article_fixtures("borna"))


def test_replay_keeps_a_seen_store_the_user_names(project):
    state = project / "output" / "replay-state.sqlite3"
    command = ["crawl", "borna", "-a", "replay=tests/fixtures/borna", "-o", "output/b.jsonl"]
    for _ in range(2):
        done = scrapy(project, *command, "-s", f"NEWSCRAWL_STATE={state}")
        assert done.returncode == 0, done.stderr[-3000:]
    assert state.exists()
    lines = (project / "output" / "b.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(article_fixtures("borna"))  # the second run: all seen


# --- the README's examples, as printed ----------------------------------------------------
def readme_commands() -> list[str]:
    """Every ``.venv/bin/scrapy`` command of the README's ``sh`` code blocks (continuation
    lines joined, comments dropped)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"^```sh\n(.*?)^```", readme, re.S | re.M):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words[:1] == [".venv/bin/scrapy"]:
                commands.append(words)
    return [shlex.join(words) for words in commands]


def is_offline(words: list[str]) -> bool:
    return any(w.startswith(("replay=", "NEWSCRAWL_REPLAY=")) for w in words) and not any(
        w.startswith(("record=", "REDIS_URL=")) for w in words
    )


README_COMMANDS = readme_commands()


def test_the_readme_has_offline_and_live_examples():
    offline = [c for c in README_COMMANDS if is_offline(shlex.split(c))]
    assert offline and len(offline) < len(README_COMMANDS)


@pytest.mark.parametrize("line", README_COMMANDS)
def test_readme_example(line, project, monkeypatch):
    """Offline ones (replay of saved pages in the repo) run twice, as printed (the
    interpreter aside: ``.venv`` is where run.sh puts it), and give the same output both
    times. Live ones are checked up to the point where they would reach the network: their
    arguments are accepted."""
    words = shlex.split(line)[1:]
    replayed = [w.split("=", 1)[1] for w in words if w.startswith(("replay=", "NEWSCRAWL_REPLAY="))]
    if is_offline(words) and all((project / path).exists() for path in replayed):
        outputs = []
        for _ in range(2):
            done = scrapy(project, *words)
            assert done.returncode == 0, done.stderr[-3000:]
            assert "Traceback" not in done.stderr
            files = sorted((project / "output").rglob("*.jsonl"))
            outputs.append({p: len(p.read_text(encoding="utf-8").splitlines()) for p in files})
            assert outputs[-1] and all(outputs[-1].values()), outputs[-1]
        assert outputs[0] == outputs[1]  # run twice: the same files, the same items
        return
    # Safe to run twice: a live crawl's second run emits only what is new, so its feed file
    # is appended to (-o), never overwritten (-O would keep only the second run's articles);
    # a replay gives the same items each time.
    if not is_offline(words):
        assert "-O" not in words and "--overwrite-output" not in words
    # A user's input named by the example (a URL list, a capture made by the example before
    # it): stand-ins, so that the check is about the arguments.
    for word in words:
        name, _, value = word.partition("=")
        if name in ("urls", "replay") and not (project / value).exists():
            (project / value).parent.mkdir(parents=True, exist_ok=True)
            (project / value).touch()
    monkeypatch.chdir(project)
    command, args, opts = command_with_options(words)
    try:
        command.process_options(args, opts)  # SystemExit(2) on a bad argument
    finally:
        startup_gc.release()  # held until run(), which the check does not call
    assert command.outlets


def test_with_the_feed_on_stdout_the_summary_goes_to_stderr(project):
    done = scrapy(
        project, "crawl", "borna", "-a", "replay=tests/fixtures/borna", "-O", "-:jsonlines"
    )
    assert done.returncode == 0, done.stderr[-3000:]
    items = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(items) == len(article_fixtures("borna"))
    summary = f"borna: {len(items)} new, "
    assert [line for line in done.stderr.splitlines() if line.startswith(summary)]


def test_a_crawler_that_never_started_is_summarised_without_stats():
    """What crawlall met as 'RuntimeError: Crawler.stats is not set yet'."""
    from scrapy.crawler import Crawler

    from newscrawl.cli import _stats
    from spiders.kayhan import KayhanSpider

    assert _stats(Crawler(KayhanSpider, Settings())) == {}
