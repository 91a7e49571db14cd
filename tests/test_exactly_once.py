"""Every article exactly once: across runs, URL variants, crashes, pauses and refreshes.
All on replayed fixtures, in real ``scrapy crawl`` / ``scrapy crawlall`` processes."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from conftest import FIXTURES, OUTLETS, article_fixtures, fixture_response, make_spider
from crawl_helpers import (
    ROOT,
    CrawlResult,
    checked_items,
    crawl_command,
    crawl_env,
    read_result,
    run_crawl,
)
from scrapy import Request
from scrapy.utils.project import get_project_settings

from newscrawl.fingerprint import ArticleKeyFingerprinter
from newscrawl.manifest import manifests_after
from newscrawl.seen import SQLiteSeenStore

OUTLET = "kayhan"


def crash_extensions(name: str = "CrashExtension") -> str:
    """The project's extensions plus a crash one (``-s EXTENSIONS`` replaces the dict)."""
    extensions = get_project_settings().getdict("EXTENSIONS")
    return json.dumps({**extensions, f"crash_helpers.{name}": 1000})


def replay_args(source: Path = FIXTURES / OUTLET) -> tuple[str, str]:
    return ("-a", f"replay={source}")


def expected_codes(outlet: str = OUTLET) -> list[str]:
    return sorted(f.expected["code"] for f in article_fixtures(outlet))


def feed_lines(*files: Path) -> list[dict]:
    """Every complete line of the JSON-lines files (and not one half-written line)."""
    items = []
    for path in files:
        if not path.exists():
            continue
        data = path.read_bytes()
        assert not data or data.endswith(b"\n"), f"{path} ends with a half-written line"
        items += checked_items(data.splitlines())
    return items


def manifest_articles(directory: Path) -> list[tuple[str, str, int]]:
    """(outlet, code, revision) of every article in the run manifests, read in order as an
    ingestion tool would; each one's JSON line (file, offset) and text file checked."""
    articles = []
    for _, manifest in manifests_after(directory):
        for outlet, written in manifest["outlets"].items():
            for entry in written["new"] + written["revised"]:
                for line in entry["json_lines"]:
                    assert line["file"] in written["json_line_files"]
                    with open(line["file"], "rb") as feed:
                        feed.seek(line["offset"])
                        [item] = checked_items([feed.readline()])
                    assert (item["outlet"], item["code"]) == (outlet, entry["code"])
                    assert item["revision"] == entry["revision"]
                assert entry["json_lines"] and Path(entry["text_file"]).is_file()
                articles.append((outlet, entry["code"], entry["revision"]))
    return articles


def test_second_run_emits_nothing_and_fetches_no_article(tmp_path):
    state = tmp_path / "state.sqlite3"
    first = run_crawl(OUTLET, tmp_path / "run1", *replay_args(), state=state)
    assert sorted(i["code"] for i in first.items) == expected_codes()
    assert all(i["revision"] == 1 for i in first.items)
    second = run_crawl(OUTLET, tmp_path / "run2", *replay_args(), state=state)
    assert second.returncode == 0, second.log[-3000:]
    assert second.items == []
    # A run that found nothing writes no feed file and no manifest.
    assert not (tmp_path / "run2" / "items.jsonl").exists()
    assert not list(manifests_after(tmp_path / "run2" / "manifests"))
    assert len(list(manifests_after(tmp_path / "run1" / "manifests"))) == 1
    stats = second.stats
    assert stats["discovery/known"] == len(expected_codes())
    # No emitted article is fetched again. The two article URLs that gave no item (a soft
    # 404 and a CDN challenge) are tried again: they are not known articles.
    unproductive = first.stats["skip/soft_404"] + first.stats["skip/cdn_challenge"]
    assert stats["discovery/article_requests"] == unproductive == 2
    # Besides them: the feed, the listing, and the listing's page 2 (unsaved: a miss), since
    # page 1 still lists articles never obtained. See the next test for the stop itself.
    assert stats["downloader/request_count"] == 2 + unproductive + 1
    assert stats["replay/miss"] == 1


def test_listing_walk_stops_at_a_page_with_nothing_new(tmp_path):
    listing = fixture_response(OUTLET, "listing.html")
    spider = make_spider(OUTLET, NEWSCRAWL_STATE=str(tmp_path / "state.sqlite3"))
    requests = list(spider.parse_listing(listing))
    assert requests[-1].meta["listing_page"] == 2 and "p=2" in requests[-1].url
    for request in requests[:-1]:
        spider.crawl_state.store.record(spider.article_key(request.url), "hash")
    spider.crawl_state.commit()
    later_run = make_spider(OUTLET, NEWSCRAWL_STATE=str(tmp_path / "state.sqlite3"))
    assert list(later_run.parse_listing(listing)) == []
    assert later_run.crawler.stats.get_value("discovery/known") == len(requests) - 1


@pytest.mark.parametrize("point", ["before_feed", "after_feed", "after_commit"])
@pytest.mark.parametrize("after", [1, 4])
def test_killed_run_then_rerun_emits_every_article_once(tmp_path, point, after):
    state, text_dir, manifests = tmp_path / "state.sqlite3", tmp_path / "text", tmp_path / "m"
    crash = {
        "CRASH_AFTER_ITEMS": after,
        "CRASH_POINT": point,
        "NEWSCRAWL_COMMIT_EVERY": 1 if point == "after_commit" else 100,
        "CONCURRENT_REQUESTS": 1,
        "NEWSCRAWL_MANIFEST_DIR": manifests,
    }
    if point == "before_feed":
        crash["ITEM_PIPELINES"] = json.dumps(
            {
                "pipelines.dedupe.DedupePipeline": 100,
                "pipelines.text_files.TextFilePipeline": 300,
                "crash_helpers.CrashBeforeFeedPipeline": 999,
            }
        )
    else:
        crash["EXTENSIONS"] = crash_extensions()
    killed = run_crawl(
        OUTLET, tmp_path / "run1", *replay_args(), state=state, text_dir=text_dir, settings=crash
    )
    assert killed.returncode == -9, killed.log[-3000:]
    assert not list(manifests_after(manifests))  # killed before its end
    rerun = run_crawl(
        OUTLET,
        tmp_path / "run2",
        *replay_args(),
        state=state,
        text_dir=text_dir,
        settings={"NEWSCRAWL_MANIFEST_DIR": manifests},
    )
    assert rerun.returncode == 0, rerun.log[-3000:]
    emitted = feed_lines(tmp_path / "run1" / "items.jsonl", tmp_path / "run2" / "items.jsonl")
    counts = Counter(item["code"] for item in emitted)
    assert sorted(counts) == expected_codes() and set(counts.values()) == {1}, counts
    # The manifests, read in order, give every article once: the killed run's (written by
    # the rerun's recovery, marked interrupted) then the rerun's.
    listed = manifest_articles(manifests)
    assert sorted(code for _, code, _ in listed) == expected_codes(), listed
    runs = [m for _, m in manifests_after(manifests)]
    written_before_kill = len(feed_lines(tmp_path / "run1" / "items.jsonl"))
    if written_before_kill:
        assert [m["interrupted"] for m in runs] == [True, False]
        assert len(runs[0]["outlets"][OUTLET]["new"]) == written_before_kill
    else:  # killed before its first line: nothing to list for it
        assert [m["interrupted"] for m in runs] == [False]
    assert sorted(p.stem for p in (text_dir / OUTLET).glob("*.txt")) == expected_codes()
    assert not list((text_dir / OUTLET).glob(".*"))  # no temporary file left behind


def crawl_appending(work: Path, feed: Path, **kwargs) -> CrawlResult:
    """A crawl appending (``-o``) to ``feed``, as a cron job writing one file would."""
    command = crawl_command(OUTLET, work, *replay_args(), **kwargs)
    out = command.index("-O")
    command[out : out + 2] = ["-o", str(feed)]
    done = subprocess.run(
        command, cwd=ROOT, env=crawl_env(), capture_output=True, text=True, timeout=300, check=False
    )
    return read_result(work, done.returncode, done.stderr)


# Which call of each kind of write finds the disk full (crash_helpers.DiskFullExtension),
# with a commit every 2 articles: the 4th article's text file or JSON line, the 2nd commit's
# fsync of the feed, the 2nd commit of the seen-store. Each time 2 articles were committed.
DISK_FULL_AFTER = {"text": 4, "feed": 4, "fsync": 2, "store": 2}


@pytest.mark.parametrize("point", sorted(DISK_FULL_AFTER))
def test_disk_full_then_rerun_with_space_emits_every_article_once(tmp_path, point):
    state, text_dir, feed = tmp_path / "state.sqlite3", tmp_path / "text", tmp_path / "all.jsonl"
    manifests = tmp_path / "manifests"
    full = crawl_appending(
        tmp_path / "run1",
        feed,
        state=state,
        text_dir=text_dir,
        settings={
            "NEWSCRAWL_MANIFEST_DIR": manifests,
            "DISK_FULL_AT": point,
            "DISK_FULL_AFTER": DISK_FULL_AFTER[point],
            "EXTENSIONS": crash_extensions("DiskFullExtension"),
            "NEWSCRAWL_COMMIT_EVERY": 2,
            "CONCURRENT_REQUESTS": 1,
        },
    )
    assert full.returncode == 1, full.log[-3000:]
    assert full.stats["finish_reason"] == "output_failed"
    errors = [line for line in full.log.splitlines() if " ERROR: " in line]
    assert "Output failed, the crawl stops: cannot write" in errors[0], errors
    assert "No space left on device" in errors[0] or "disk is full" in errors[0], errors
    assert sum("Output failed" in line for line in errors) == 1
    # Stopped at once, and rolled back to the last commit: the feed holds exactly what the
    # seen-store holds (no line without a record, no record without a line).
    written = feed_lines(feed)
    recorded = SQLiteSeenStore(state).get_many([(OUTLET, code) for code in expected_codes()])
    assert sorted(i["code"] for i in written) == sorted(code for _, code in recorded)
    assert len(written) == 2
    assert full.stats["text_files/written"] <= 4  # the 4th article was the last one out
    assert not list((text_dir / OUTLET).glob(".*"))  # no temporary file left behind

    [(_, failed_run)] = manifests_after(manifests)  # what the failed run did commit
    assert failed_run["output_failed"] and len(failed_run["outlets"][OUTLET]["new"]) == 2

    rerun = crawl_appending(
        tmp_path / "run2",
        feed,
        state=state,
        text_dir=text_dir,
        settings={"NEWSCRAWL_MANIFEST_DIR": manifests},
    )
    assert rerun.returncode == 0, rerun.log[-3000:]
    counts = Counter(item["code"] for item in feed_lines(feed))
    assert sorted(counts) == expected_codes() and set(counts.values()) == {1}, counts
    assert sorted(p.stem for p in (text_dir / OUTLET).glob("*.txt")) == expected_codes()
    assert sorted(code for _, code, _ in manifest_articles(manifests)) == expected_codes()


def test_a_cut_off_line_is_removed_before_appending(tmp_path):
    """A full disk's case: a feed file left with part of a line; the next run appends."""
    feed = tmp_path / "all.jsonl"
    feed.write_bytes(b'{"outlet": "kayhan", "code": "1", "title": "cut off by a full di')
    done = crawl_appending(tmp_path / "run", feed, state=tmp_path / "state.sqlite3")
    assert done.returncode == 0, done.log[-3000:]
    assert sorted(i["code"] for i in feed_lines(feed)) == expected_codes()
    assert "Removed a cut-off last line (64 bytes)" in done.log


def test_interrupted_jobdir_crawl_resumes_and_emits_every_article_once(tmp_path):
    """Ctrl-C with Scrapy's JOBDIR, then the same command again: the crawl resumes."""
    state, text_dir, jobdir = tmp_path / "state.sqlite3", tmp_path / "text", tmp_path / "job"
    settings = {"JOBDIR": jobdir, "CONCURRENT_REQUESTS": 1}
    paused = run_crawl(
        OUTLET,
        tmp_path / "run1",
        *replay_args(),
        state=state,
        text_dir=text_dir,
        settings={
            **settings,
            "CRASH_AFTER_ITEMS": 3,
            "CRASH_POINT": "interrupt",
            "EXTENSIONS": crash_extensions(),
        },
    )
    assert paused.stats["finish_reason"] == "shutdown", paused.log[-3000:]
    assert 0 < len(paused.items) < len(expected_codes())
    resumed = run_crawl(
        OUTLET, tmp_path / "run2", *replay_args(), state=state, text_dir=text_dir, settings=settings
    )
    assert resumed.returncode == 0, resumed.log[-3000:]
    counts = Counter(i["code"] for i in paused.items + resumed.items)
    assert sorted(counts) == expected_codes() and set(counts.values()) == {1}, counts
    assert sorted(p.stem for p in (text_dir / OUTLET).glob("*.txt")) == expected_codes()


VARIANTS = {
    "kayhan": (
        "https://kayhan.ir/fa/news/{code}/slug-a",
        "https://kayhan.ir/fa/news/{code}",
        "http://kayhan.ir/fa/news/{code}/",
        "https://www.kayhan.ir/fa/news/{code}/slug-b",
        "https://kayhan.ir/fa/news/{code}?utm_source=telegram&utm_medium=x",
        "https://kayhan.ir/fa/news/{code}/slug#comments",
        "https://kayhan.ir/fa/print/{code}",
        "https://kayhan.ir/fa/amp/news/{code}/slug",
    ),
    "borna": (
        "https://www.borna.news/fa/news/{code}/slug",
        "https://borna.news/fa/news/{code}",
        "http://www.borna.news/fa/news/{code}?ref=rss#top",
        "https://www.borna.news/fa/print/{code}",
        "https://www.borna.news/fa/amp/news/{code}/slug",
    ),
    "tasnim": (
        "https://www.tasnimnews.com/fa/news/{date}/{code}/slug",
        "https://www.tasnimnews.com/fa/news/{date}/{code}",
        "http://tasnimnews.com/fa/news/{date}/{code}/other-slug?utm_source=x#c",
        "https://tn.ai/{code}",
        "http://www.tn.ai/{code}",
        "https://www.tasnimnews.com/fa/amp/news/{date}/{code}/slug",
    ),
    "mashregh": (
        "https://www.mashreghnews.ir/news/{code}/slug",
        "https://www.mashreghnews.ir/news/{code}",
        "http://mashreghnews.ir/news/{code}/x",
        "https://mshrgh.ir/{code}",
        "https://www.mashreghnews.ir/news/{code}?fbclid=1#x",
        "https://www.mashreghnews.ir/amp/{code}/",
        "https://www.mashreghnews.ir/print/{code}",
    ),
}


def variants_of(outlet: str) -> list[str]:
    fixture = article_fixtures(outlet)[0]
    code = fixture.expected["code"]
    date = "/".join(fixture.url.split("/fa/news/")[-1].split("/")[:3]) if outlet == "tasnim" else ""
    return [v.format(code=code, date=date) for v in VARIANTS[outlet]]


@pytest.mark.parametrize("outlet", OUTLETS)
def test_url_variants_map_to_one_key(outlet):
    spider = make_spider(outlet)
    code = article_fixtures(outlet)[0].expected["code"]
    assert {spider.article_key(url) for url in variants_of(outlet)} == {(outlet, code)}
    spider.crawler.spider = spider  # what the crawl does when it starts
    fingerprinter = ArticleKeyFingerprinter.from_crawler(spider.crawler)
    requests = list(spider._article_requests(variants_of(outlet), "feed"))
    fingerprints = {fingerprinter.fingerprint(r) for r in requests}
    assert fingerprints == {fingerprinter.fingerprint(Request(variants_of(outlet)[-1]))}
    assert len(fingerprints) == 1


@pytest.mark.parametrize("outlet", OUTLETS)
def test_url_variants_cause_one_fetch_and_one_item(outlet, tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join(variants_of(outlet)) + "\n")
    result = run_crawl(
        outlet, tmp_path / "run", "-a", f"urls={urls}", *replay_args(FIXTURES / outlet)
    )
    assert result.returncode == 0, result.log[-3000:]
    assert [i["code"] for i in result.items] == [article_fixtures(outlet)[0].expected["code"]]
    assert result.stats["downloader/request_count"] == 1
    assert result.stats["replay/hit"] == 1


def test_refresh_emits_changed_articles_as_new_revisions(tmp_path):
    source = tmp_path / "pages"
    shutil.copytree(FIXTURES / OUTLET, source)
    state, text_dir, manifests = tmp_path / "state.sqlite3", tmp_path / "text", tmp_path / "m"
    shared = {
        "state": state,
        "text_dir": text_dir,
        "settings": {"NEWSCRAWL_MANIFEST_DIR": manifests},
    }
    first = run_crawl(OUTLET, tmp_path / "run1", *replay_args(source), **shared)
    assert len(first.items) == len(expected_codes())
    original = (
        text_dir / OUTLET / f"{article_fixtures(OUTLET)[0].expected['code']}.txt"
    ).read_text()
    changed = article_fixtures(OUTLET)[0]
    page = source / changed.page.path.name
    sentence = changed.expected["body"].split("\n\n")[0]
    html = page.read_text(encoding="utf-8")
    assert sentence in html
    page.write_text(html.replace(sentence, sentence + " (اصلاح شد)", 1), encoding="utf-8")
    refreshed = run_crawl(
        OUTLET, tmp_path / "run2", *replay_args(source), "-a", "refresh=1", **shared
    )
    assert refreshed.returncode == 0, refreshed.log[-3000:]
    [item] = refreshed.items
    assert (item["code"], item["revision"]) == (changed.expected["code"], 2)
    assert "(اصلاح شد)" in item["body"]
    # Revisions kept: <code>.txt is the latest, the one before beside it as <code>.r1.txt.
    code = changed.expected["code"]
    assert (text_dir / OUTLET / f"{code}.txt").read_text() == item["text"]
    assert (text_dir / OUTLET / f"{code}.r1.txt").read_text() == original
    assert sorted(p.name for p in (text_dir / OUTLET).glob(f"{code}.*")) == [
        f"{code}.r1.txt",
        f"{code}.txt",
    ]
    [_, (_, refresh_run)] = manifests_after(manifests)
    [revised] = refresh_run["outlets"][OUTLET]["revised"]
    assert refresh_run["outlets"][OUTLET]["new"] == []
    assert (revised["code"], revised["revision"]) == (code, 2)
    assert revised["previous_text_file"] == str(text_dir.absolute() / OUTLET / f"{code}.r1.txt")
    assert refreshed.stats["refresh/unchanged"] == len(expected_codes()) - 1
    again = run_crawl(OUTLET, tmp_path / "run3", *replay_args(source), "-a", "refresh=1", **shared)
    assert again.items == [] and again.stats["refresh/unchanged"] == len(expected_codes())


def crawlall(tmp_path: Path, source: Path) -> subprocess.CompletedProcess:
    command = crawl_command("", tmp_path, "-a", f"replay={source}", command="crawlall")
    out = command.index("-O")
    command[out + 1] = str(tmp_path / "%(name)s.jsonl")
    return subprocess.run(
        command, cwd=ROOT, env=crawl_env(), capture_output=True, text=True, timeout=300, check=False
    )


def test_crawlall_runs_every_outlet_and_summarises(tmp_path):
    done = crawlall(tmp_path, FIXTURES)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == sorted(OUTLETS)
    for outlet, line in zip(sorted(OUTLETS), lines, strict=True):
        new = len(expected_codes(outlet))
        assert line.startswith(f"{outlet}: {new} new, 0 revised, 0 unchanged, "), line
        assert " seen" not in line and line.endswith(", 0 failed (ok)"), line
        assert len(feed_lines(tmp_path / f"{outlet}.jsonl")) == len(expected_codes(outlet))
    again = crawlall(tmp_path / "again", FIXTURES)
    assert again.returncode == 0


def test_crawlall_fails_when_an_outlet_fails(tmp_path):
    """Borna answers every feed and listing with a CDN challenge: nothing can be discovered."""
    source = tmp_path / "pages"
    shutil.copytree(FIXTURES, source)
    manifest = source / "borna" / "manifest.tsv"
    lines = manifest.read_text(encoding="utf-8").splitlines()
    blocked = [
        line.replace("\tfeed.xml\t", "\tchallenge.html\t").replace(
            "\tlisting.html\t", "\tchallenge.html\t"
        )
        for line in lines
    ]
    manifest.write_text("\n".join(blocked) + "\n", encoding="utf-8")
    done = crawlall(tmp_path / "run", source)
    assert done.returncode != 0
    summary = dict(line.split(": ", 1) for line in done.stdout.strip().splitlines())
    assert "FAILED" in summary["borna"]
    assert all(summary[o].endswith("(ok)") for o in OUTLETS if o != "borna")
