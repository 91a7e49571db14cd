"""The ingestion contract: the item schema, run manifests and how a tool follows them (the
README's example, run as printed), and no empty feed file."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import FIXTURES, OUTLETS, article_fixtures
from crawl_helpers import ITEM_SCHEMA, ROOT, checked_items, crawl_command, crawl_env

from newscrawl.items import SCHEMA_VERSION
from newscrawl.manifest import ManifestEntry, build_manifest, manifests_after, write_manifest
from newscrawl.state import FILE_MODE


def test_items_carry_the_schema_version_of_the_schema():
    assert ITEM_SCHEMA["properties"]["schema_version"] == {
        "const": SCHEMA_VERSION,
        "description": "version of this schema the item follows",
    }


def test_the_schema_check_rejects_a_broken_item():
    item = {
        **json.loads((FIXTURES / "kayhan" / "260941.json").read_text(encoding="utf-8")),
        "schema_version": SCHEMA_VERSION,
        "text": "kayhan.ir\n",
        "fetched_at": "2026-01-01T00:00:00+00:00",
        "revision": 1,
    }
    del item["leaks"]
    checked_items([json.dumps(item)])
    for broken in ({"code": "../1"}, {"revision": 0}, {"published": "yesterday"}, {"x": 1}):
        with pytest.raises(AssertionError, match="breaks the item schema"):
            checked_items([json.dumps({**item, **broken})])


def manifest(run: str, codes: list[str]) -> dict:
    entries = [ManifestEntry("kayhan", c, 1, "/t") for c in codes]
    return build_manifest(run, "kayhan", 0.0, 1.0, entries)


def test_manifests_are_numbered_in_the_order_written(tmp_path):
    names = [write_manifest(tmp_path, manifest(f"run{i}", [str(i)])).name for i in (3, 1, 2)]
    assert (
        names
        == sorted(names)
        == [
            "0000000001-run3.json",
            "0000000002-run1.json",
            "0000000003-run2.json",
        ]
    )
    (tmp_path / ".manifest.x.tmp").write_text("{")  # a writer killed mid-way: not listed
    assert [name for name, _ in manifests_after(tmp_path)] == names
    assert [m["run"] for _, m in manifests_after(tmp_path, names[0])] == ["run1", "run2"]
    assert list(manifests_after(tmp_path, names[-1])) == []
    assert list(manifests_after(tmp_path / "none")) == []


def test_concurrent_writers_never_reuse_a_number(tmp_path):
    """Four processes writing 25 manifests each, at once (crawlall's spiders, cron overlaps)."""
    script = (
        "import sys; from pathlib import Path; from newscrawl.manifest import *\n"
        "for i in range(25):\n"
        "    m = build_manifest(f'{sys.argv[1]}-{i}', 'kayhan', 0.0, 1.0, [])\n"
        "    write_manifest(Path(sys.argv[2]), m)\n"
    )
    writers = [
        subprocess.Popen([sys.executable, "-c", script, f"w{n}", str(tmp_path)], cwd=ROOT)
        for n in range(4)
    ]
    assert [w.wait(timeout=60) for w in writers] == [0] * 4
    names = [name for name, _ in manifests_after(tmp_path)]
    assert [int(n[:10]) for n in names] == list(range(1, 101))


def crawlall(work: Path, manifests: Path, state: Path) -> subprocess.CompletedProcess:
    command = crawl_command(
        "",
        work,
        "-a",
        f"replay={FIXTURES}",
        state=state,
        text_dir=work.parent / "text",
        settings={"NEWSCRAWL_MANIFEST_DIR": manifests},
        command="crawlall",
    )
    command[command.index("-O") + 1] = str(work / "%(name)s.jsonl")
    return subprocess.run(
        command, cwd=ROOT, env=crawl_env(), capture_output=True, text=True, timeout=300, check=False
    )


def readme_block(heading: str) -> str:
    """The first python block of the README section ``heading``."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```python\n(.*?)```", section, re.S)[1]


def test_the_readme_follower_reads_each_article_once_and_no_empty_feed_is_written(tmp_path):
    """crawlall twice over one seen-store, with the README's follower after each run."""
    follower = tmp_path / "follow.py"
    follower.write_text(readme_block("Following the output (ingestion)"), encoding="utf-8")
    manifests, state = tmp_path / "output" / "manifests", tmp_path / "state.sqlite3"

    def follow() -> list[str]:
        done = subprocess.run(
            [sys.executable, str(follower)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout.splitlines()

    first = crawlall(tmp_path / "run1", manifests, state)
    assert first.returncode == 0, first.stderr[-3000:]
    ingested = follow()
    assert follow() == []  # nothing new since
    second = crawlall(tmp_path / "run2", manifests, state)
    assert second.returncode == 0, second.stderr[-3000:]
    assert not list((tmp_path / "run2").glob("*.jsonl"))  # found nothing: no empty file
    assert follow() == []
    assert all(path.stat().st_mode & 0o777 == FILE_MODE for path in manifests.iterdir())
    keys = Counter(tuple(line.split()[:2]) for line in ingested)
    expected = {(o, f.expected["code"]) for o in OUTLETS for f in article_fixtures(o)}
    assert set(keys) == expected and set(keys.values()) == {1}
