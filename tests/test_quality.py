"""The extraction quality report: its measures, its command, and the goal it checks: on every
outlet the spider's body F1 is at least 0.99, ahead of plain trafilatura and readability-lxml,
with no boilerplate leak and no item from a non-article page."""

import subprocess
import sys

import pytest
from conftest import FIXTURES, OUTLETS, ROOT, article_fixtures

from bench import quality
from bench.quality import (
    EXACT_FIELDS,
    EXTRACTORS,
    OVERALL,
    READABILITY,
    SPIDER,
    TRAFILATURA,
    Extraction,
    score_page,
    token_scores,
)

GOAL_F1 = 0.99


@pytest.fixture(scope="module")
def report():
    return quality.measure(FIXTURES)


def test_token_scores_are_bag_of_token_overlaps():
    precision, recall, f1 = token_scores("a b b c", "a b d")
    assert (precision, recall) == (2 / 4, 2 / 3)
    assert f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert token_scores("", "a b") == (0.0, 0.0, 0.0)
    assert token_scores("x y", "a b") == (0.0, 0.0, 0.0)
    # Compared normalised and without ZWNJs (trafilatura deletes them all).
    assert token_scores("می\u200cكند  آن", "میکند\nآن") == (1.0, 1.0, 1.0)


def test_score_page_counts_leaks_misses_and_field_matches():
    expected = {
        "code": "12",
        "title": "تیتر",
        "uptitle": None,
        "lead": "لید",
        "published": "2024-01-01T10:00:00+03:30",
        "body": "متن خبر",
        "leaks": ["نظر شما", "آگهی ویژه"],
    }
    fields = dict.fromkeys(EXACT_FIELDS) | {"code": "12", "title": "تیتر دیگر"}
    score = score_page(Extraction("متن خبر نظر شما", "متن خبر نظر شما", fields), expected)
    assert score.leaks == ("نظر شما",) and score.leaks_checked == 2
    assert score.recall == 1.0 and score.precision == 0.5
    assert score.matches == {
        "code": True,
        "title": False,
        "uptitle": True,
        "lead": False,
        "published": False,
    }
    missed = score_page(None, expected)
    assert (missed.f1, missed.leaks, any(missed.matches.values())) == (0.0, (), False)


def test_report_covers_every_page_with_every_extractor(report):
    assert report.outlets == list(OUTLETS)
    for outlet in OUTLETS:
        for extractor in EXTRACTORS:
            tally = report.tallies[(outlet, extractor)]
            assert len(tally.pages) == len(article_fixtures(outlet))
            assert tally.non_articles >= 3  # soft 404, challenge, listing
    assert len(report.tallies[(OVERALL, SPIDER)].pages) == len(article_fixtures())


@pytest.mark.parametrize("outlet", [*OUTLETS, OVERALL])
def test_spiders_meet_the_quality_goal(report, outlet):
    spider = report.tallies[(outlet, SPIDER)]
    assert spider.mean("f1") >= GOAL_F1
    assert spider.min_f1 >= GOAL_F1, "every page, not only on average"
    for name in EXACT_FIELDS:
        assert spider.match_rate(name) == 1.0, name
    assert spider.leaks_checked > 0 and spider.leaks == 0
    assert spider.false_articles == 0
    for baseline in (TRAFILATURA, READABILITY):
        assert spider.mean("f1") > report.tallies[(outlet, baseline)].mean("f1"), baseline


def test_command_prints_the_table(capsys):
    assert quality.main([str(FIXTURES / "kayhan")]) == 0
    lines = capsys.readouterr().out.split("\n\n")[0].splitlines()
    assert lines[0].split()[:3] == ["outlet", "extractor", "pages"]
    assert [line.split()[:2] for line in lines[2:]] == [
        [outlet, extractor] for outlet in ("kayhan", OVERALL) for extractor in EXTRACTORS
    ]


def test_command_line_markdown_table():
    done = subprocess.run(
        [sys.executable, "-m", "bench.quality", "tests/fixtures", "--markdown"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    tables = done.stdout.split("\n\n")
    lines = tables[0].splitlines()
    assert lines[0].startswith("| outlet | extractor | pages | body P |")
    assert lines[1].startswith("| --- |")
    assert len(lines) == 2 + 3 * (len(OUTLETS) + 1)
    # The structural fallback (layouts disabled): body F1 >= 0.90 and no leak per outlet.
    assert tables[1].startswith("Structural fallback")
    fallback = [row.strip("|").split("|") for row in tables[2].splitlines()[2:]]
    assert [row[0].strip() for row in fallback] == sorted(OUTLETS)
    assert all(float(row[2]) >= 0.90 and row[4].strip().startswith("0/") for row in fallback)
    # Markup mutations: every variant of every outlet holds.
    assert tables[3].startswith("Markup mutations")
    mutations = tables[4].splitlines()[2:]
    assert mutations and all("(100%)" in cell for row in mutations for cell in row.split("|")[2:-1])
    spider_overall = next(line for line in lines if line.startswith(f"| {OVERALL} | {SPIDER} |"))
    cells = [cell.strip() for cell in spider_overall.strip("|").split("|")]
    assert float(cells[5]) >= GOAL_F1 and cells[-2].startswith("0/")
