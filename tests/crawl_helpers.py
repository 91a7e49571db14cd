"""Running real ``scrapy crawl`` processes, and loopback HTTP servers for them."""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from jsonschema import Draft202012Validator
from scrapy.settings import Settings

from newscrawl.replay import MANIFEST_NAME, read_manifest, url_key

ROOT = Path(__file__).resolve().parent.parent
CRAWL_TIMEOUT = 180  # seconds; a replay crawl of one outlet takes a few
ITEM_SCHEMA = json.loads((ROOT / "docs" / "item.schema.json").read_text(encoding="utf-8"))
_ITEM_VALIDATOR = Draft202012Validator(
    ITEM_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER
)


def command_with_options(words: list[str]) -> tuple[object, list[str], argparse.Namespace]:
    """``scrapy crawl|crawlall ...`` as scrapy's cmdline sets it up, in this process: (the
    command with the project's settings, its arguments, its options), before
    ``process_options``."""
    from newscrawl.commands import crawl, crawlall

    command = {"crawl": crawl, "crawlall": crawlall}[words[0]].Command()
    settings = Settings()
    settings.setmodule("newscrawl.settings", priority="project")
    command.settings = settings
    parser = argparse.ArgumentParser()
    command.add_options(parser)
    opts, args = parser.parse_known_args(words[1:])
    return command, args, opts


def checked_items(lines: list[bytes] | list[str]) -> list[dict]:
    """The items of JSON lines, each checked against the item schema (docs/)."""
    items = [json.loads(line) for line in lines]
    for item in items:
        error = next(iter(sorted(_ITEM_VALIDATOR.iter_errors(item), key=str)), None)
        assert error is None, (
            f"{item.get('outlet')}/{item.get('code')} breaks the item schema at"
            f" {'/'.join(map(str, error.absolute_path))}: {error.message}"
        )
    return items


@dataclass
class CrawlResult:
    returncode: int
    items: list[dict]
    stats: dict
    text_dir: Path
    log: str

    def texts(self, outlet: str) -> dict[str, str]:
        folder = self.text_dir / outlet
        if not folder.exists():
            return {}
        return {p.stem: p.read_text(encoding="utf-8") for p in folder.glob("*.txt")}


def crawl_command(
    outlet: str,
    work: Path,
    *args: str,
    settings: dict | None = None,
    state: Path | None = None,
    text_dir: Path | None = None,
    command: str = "crawl",
) -> list[str]:
    """``scrapy crawl <outlet> <args> -O <work>/items.jsonl`` with the outputs, the stats file,
    the run manifests and (unless given) the seen-store inside ``work``."""
    work.mkdir(parents=True, exist_ok=True)
    out = work / "items.jsonl"
    defaults = {
        "NEWSCRAWL_TEXT_DIR": text_dir or work / "text",
        "NEWSCRAWL_STATS_FILE": work / "stats.json",
        "NEWSCRAWL_STATE": state or work / "state.sqlite3",
        "NEWSCRAWL_MANIFEST_DIR": work / "manifests",
    }
    line = [
        sys.executable,
        "-m",
        "scrapy",
        command,
        *([outlet] if outlet else []),
        *args,
        "-O",
        str(out),
    ]
    for name, value in {**defaults, **(settings or {})}.items():
        line += ["-s", f"{name}={value}"]
    return line


def crawl_env(env: dict | None = None) -> dict:
    full_env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    full_env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "tests"), str(ROOT)])
    full_env.update(env or {})
    return full_env


def read_result(work: Path, returncode: int, log: str, text_dir: Path | None = None) -> CrawlResult:
    out, stats_file = work / "items.jsonl", work / "stats.json"
    items = checked_items(out.read_text(encoding="utf-8").splitlines()) if out.exists() else []
    stats = json.loads(stats_file.read_text(encoding="utf-8")) if stats_file.exists() else {}
    return CrawlResult(returncode, items, stats, text_dir or work / "text", log)


def run_crawl(
    outlet: str,
    work: Path,
    *args: str,
    env: dict | None = None,
    settings: dict | None = None,
    state: Path | None = None,
    text_dir: Path | None = None,
) -> CrawlResult:
    """Run a crawl to its end in a subprocess, from the project root."""
    command = crawl_command(outlet, work, *args, settings=settings, state=state, text_dir=text_dir)
    done = subprocess.run(
        command,
        cwd=ROOT,
        env=crawl_env(env),
        capture_output=True,
        text=True,
        timeout=CRAWL_TIMEOUT,
        check=False,
    )
    return read_result(work, done.returncode, done.stderr, text_dir)


class QuietHandler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass  # the tests look at what was served, not at an access log


class LoopbackHTTP:
    """Serves a handler on a free 127.0.0.1 port, in a thread, until the ``with`` ends."""

    def serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class LoopbackServer(LoopbackHTTP):
    """An HTTP server on 127.0.0.1 used as the crawler's proxy: it answers absolute-URL
    requests from a fixture directory (like the real site would), or, with no directory,
    only counts what reaches it (a trap proving nothing did)."""

    fixtures: Path | None = None
    hits: list[str] = field(default_factory=list)

    def __enter__(self) -> LoopbackServer:
        pages = dict(read_manifest(self.fixtures / MANIFEST_NAME)) if self.fixtures else {}
        by_key = {url_key(url): page for url, page in pages.items()}
        hits = self.hits

        class Handler(QuietHandler):
            def do_GET(self):
                hits.append(self.path)
                page = by_key.get(url_key(self.path))
                if page is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = page.path.read_bytes()
                self.send_response(page.status)
                self.send_header("Content-Type", page.content_type or "text/html; charset=utf-8")
                if "gzip" in (self.headers.get("Accept-Encoding") or ""):
                    body = gzip.compress(body)
                    self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.serve(Handler)
        return self
