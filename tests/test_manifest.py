"""The ingestion contract: the item schema, run manifests and how a tool follows them (the
README's example, run as printed), and no empty feed file."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import FIXTURES, OUTLETS, article_fixtures
from crawl_helpers import ITEM_SCHEMA, ROOT, checked_items, crawl_command, crawl_env

from newscrawl.items import SCHEMA_VERSION
from newscrawl.manifest import (
    ManifestEntry,
    SpooledEntries,
    build_manifest,
    manifests_after,
    write_manifest,
)
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


ENTRIES = [
    ManifestEntry("kayhan", "1", 1, "/t", (("/o/k.jsonl", 0),)),
    ManifestEntry("tasnim", "۲", 2, "/t", (("/o/t.jsonl", 10), ("/o/all.jsonl", 0))),
    ManifestEntry("kayhan", "3", 3, "/t", (("/o/k2.jsonl", 5),)),
    ManifestEntry("kayhan", "4", 1, "/u", ()),
]


def test_spooled_entries_read_back_whole_as_often_as_needed_and_appended_to_after(tmp_path):
    spool = SpooledEntries(tmp_path / "manifests")
    spool.extend(ENTRIES[:2])
    spool.extend([])
    assert list(spool) == list(spool) == ENTRIES[:2]
    reading = iter(spool)
    assert next(reading) == ENTRIES[0]  # a reader half-way: appends do not disturb it
    spool.extend(ENTRIES[2:])
    assert list(reading) == ENTRIES[1:]
    assert list(spool) == ENTRIES and len(spool) == 4
    assert list((tmp_path / "manifests").iterdir()) == []  # anonymous: no name to list
    spool.close()


def test_a_failed_append_leaves_no_partial_entry(tmp_path, monkeypatch):
    import newscrawl.manifest

    spool = SpooledEntries(tmp_path)
    spool.extend(ENTRIES[:1])

    def disk_full(fd: int, data: bytes) -> None:
        os.write(fd, data[: len(data) // 2])  # what fits, then
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(newscrawl.manifest, "write_all", disk_full)
    with pytest.raises(OSError, match="No space"):
        spool.extend(ENTRIES[1:3])
    monkeypatch.undo()
    spool.extend(ENTRIES[3:])
    assert list(spool) == [ENTRIES[0], ENTRIES[3]]


def test_a_manifest_from_the_spool_is_the_manifest_from_the_entries(tmp_path):
    spool = SpooledEntries(tmp_path)
    spool.extend(ENTRIES)
    from_spool = "".join(build_manifest("r", "kayhan", 0.0, 1.0, spool).chunks())
    from_list = "".join(build_manifest("r", "kayhan", 0.0, 1.0, ENTRIES).chunks())
    assert from_spool == from_list
    outlets = json.loads(from_list)["outlets"]
    assert list(outlets) == ["kayhan", "tasnim"]
    assert outlets["kayhan"]["json_line_files"] == ["/o/k.jsonl", "/o/k2.jsonl"]
    assert [a["code"] for a in outlets["kayhan"]["new"]] == ["1", "4"]
    assert [a["code"] for a in outlets["kayhan"]["revised"]] == ["3"]
    assert outlets["tasnim"]["revised"][0]["json_lines"] == [
        {"file": "/o/t.jsonl", "offset": 10},
        {"file": "/o/all.jsonl", "offset": 0},
    ]


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
