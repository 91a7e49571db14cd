"""Scheduling as a service: a real scrapyd on 127.0.0.1, the project deployed to it with
scrapyd-client, a replay job scheduled through scrapyd's HTTP API, its items checked."""

from __future__ import annotations

import configparser
import json
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from crawl_helpers import ROOT, checked_items, crawl_env

from bench.distributed import free_port
from tests.fixture_pages import article_fixtures

pytest.importorskip("scrapyd", reason="scrapyd is not installed (pip install -r requirements.txt)")
pytest.importorskip(
    "scrapyd_client", reason="scrapyd-client is not installed (pip install -r requirements.txt)"
)

FIXTURES = ROOT / "tests" / "fixtures"
START_TIMEOUT = 30  # seconds for scrapyd to answer
JOB_TIMEOUT = 120  # seconds for the replay job to finish (it takes a few)
# What scrapyd-deploy needs to build the egg; the rest of the checkout stays behind.
DEPLOYED = ("scrapy.cfg", "setup.py", "newscrawl", "spiders", "pipelines")
# Loopback only, never through a proxy from the environment.
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Scrapyd:
    url: str
    home: Path

    def get(self, endpoint: str, **query: str) -> dict:
        address = f"{self.url}{endpoint}?{urllib.parse.urlencode(query)}"
        with HTTP.open(address, timeout=10) as answer:
            return json.load(answer)

    def post(self, endpoint: str, fields: list[tuple[str, str]]) -> dict:
        body = urllib.parse.urlencode(fields).encode()
        with HTTP.open(f"{self.url}{endpoint}", data=body, timeout=10) as answer:
            return json.load(answer)


@pytest.fixture
def scrapyd(tmp_path: Path) -> Iterator[Scrapyd]:
    """scrapyd in its own directory (its scrapyd.conf is read from the working directory),
    stopped at the end. Without PYTHONPATH, jobs can import the project only from the egg."""
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        "bind_address = 127.0.0.1\n"
        f"http_port = {port}\n"
        f"eggs_dir = {home / 'eggs'}\n"
        f"logs_dir = {home / 'logs'}\n"
        f"items_dir = {home / 'items'}\n"
        f"dbs_dir = {home / 'dbs'}\n"
        "jobs_to_keep = 5\n"
        "max_proc = 1\n"
        "poll_interval = 0.2\n",
        encoding="utf-8",
    )
    env = crawl_env()
    env.pop("PYTHONPATH")
    with (home / "scrapyd.out").open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "scrapyd"], cwd=home, env=env, stdout=out, stderr=out
        )
    service = Scrapyd(f"http://127.0.0.1:{port}/", home)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                assert service.get("daemonstatus.json")["status"] == "ok"
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log = (home / "scrapyd.out").read_text(errors="replace")
                    pytest.fail(f"scrapyd did not start:\n{log}")
                time.sleep(0.2)
        yield service
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def deploy(project: Path, url: str) -> dict:
    """``scrapyd-deploy`` from a copy of the checkout (the egg build writes build/ and
    *.egg-info/ next to setup.py), with the copy's [deploy] target pointed at ``url``."""
    project.mkdir()
    for name in DEPLOYED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, project / name)
    config = configparser.ConfigParser()
    config.read(project / "scrapy.cfg", encoding="utf-8")
    assert config.get("deploy", "project") == "newscrawl"
    config.set("deploy", "url", url)
    with (project / "scrapy.cfg").open("w", encoding="utf-8") as cfg:
        config.write(cfg)
    env = crawl_env()
    env.pop("PYTHONPATH")
    done = subprocess.run(
        [sys.executable, "-m", "scrapyd_client.deploy", "--version", "r1"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    return json.loads(done.stdout)


def wait_for_job(service: Scrapyd, job: str) -> dict:
    deadline = time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        jobs = service.get("listjobs.json", project="newscrawl")
        finished = [entry for entry in jobs["finished"] if entry["id"] == job]
        if finished:
            return finished[0]
        time.sleep(0.5)
    pytest.fail(f"job {job} not finished after {JOB_TIMEOUT} s: {jobs}")


def test_deploy_then_schedule_a_replay_job_through_the_http_api(scrapyd, tmp_path):
    deployed = deploy(tmp_path / "project", scrapyd.url)
    assert deployed["status"] == "ok", deployed
    assert deployed["project"] == "newscrawl"
    listed = scrapyd.get("listspiders.json", project="newscrawl")
    assert listed["spiders"] == ["borna", "kayhan", "mashregh", "tasnim"]

    work = tmp_path / "job"
    scheduled = scrapyd.post(
        "schedule.json",
        [
            ("project", "newscrawl"),
            ("spider", "kayhan"),
            # Spider arguments: the egg carries no saved pages, hence an absolute path.
            ("replay", str(FIXTURES / "kayhan")),
            # The job's working directory is scrapyd's: every output path given.
            ("setting", f"NEWSCRAWL_STATE={work / 'state.sqlite3'}"),
            ("setting", f"NEWSCRAWL_TEXT_DIR={work / 'text'}"),
            ("setting", f"NEWSCRAWL_STATS_FILE={work / 'stats.json'}"),
            ("setting", f"NEWSCRAWL_MANIFEST_DIR={work / 'manifests'}"),
        ],
    )
    assert scheduled["status"] == "ok", scheduled
    job = wait_for_job(scrapyd, scheduled["jobid"])

    log = (scrapyd.home / "logs" / "newscrawl" / "kayhan" / f"{job['id']}.log").read_text(
        encoding="utf-8"
    )
    stats = json.loads((work / "stats.json").read_text(encoding="utf-8"))
    assert stats["finish_reason"] == "finished", log
    # scrapyd's items_dir: one JSON-lines feed per job.
    feed = scrapyd.home / "items" / "newscrawl" / "kayhan" / f"{job['id']}.jl"
    items = checked_items(feed.read_text(encoding="utf-8").splitlines())
    expected = {fixture.expected["code"] for fixture in article_fixtures(FIXTURES / "kayhan")}
    assert sorted(item["code"] for item in items) == sorted(expected)
    assert {path.stem for path in (work / "text" / "kayhan").glob("*.txt")} == expected
    assert stats["monitors/failed"] == 0, log
