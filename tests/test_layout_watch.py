"""Layout drift alarm: an outlet whose fallback share is above the threshold at the end of a
run is reported as "layout changed?" in the log and the stats."""

import logging
import re

import pytest
from conftest import article_fixtures, make_spider
from crawl_helpers import run_crawl

from newscrawl.layout_watch import LayoutWatchExtension


def closed_run(articles: int, fallback: int, **settings):
    spider = make_spider("kayhan", **settings)
    stats = spider.crawler.stats
    if articles:
        stats.set_value("extract/articles", articles)
    if fallback:
        stats.set_value("extract/fallback", fallback)
    LayoutWatchExtension.from_crawler(spider.crawler).spider_closed(spider, "finished")
    return stats


@pytest.mark.parametrize(
    ("articles", "fallback", "settings", "changed"),
    [
        (40, 0, {}, False),
        (40, 4, {}, False),  # 10% is not above the default 10%
        (40, 5, {}, True),
        (1, 1, {}, True),
        (40, 5, {"NEWSCRAWL_FALLBACK_ALERT_SHARE": 0.2}, False),
        (40, 9, {"NEWSCRAWL_FALLBACK_ALERT_SHARE": 0.2}, True),
    ],
)
def test_alert_above_the_threshold(caplog, articles, fallback, settings, changed):
    with caplog.at_level(logging.WARNING, logger="newscrawl.layout_watch"):
        stats = closed_run(articles, fallback, **settings)
    assert stats.get_value("extract/fallback_share") == pytest.approx(fallback / articles, abs=1e-4)
    assert stats.get_value("extract/layout_changed") == (1 if changed else None)
    alerts = [r for r in caplog.records if "layout changed?" in r.getMessage()]
    assert len(alerts) == (1 if changed else 0)
    if changed:
        assert alerts[0].levelno == logging.WARNING
        assert (
            alerts[0].getMessage().startswith(f"kayhan: layout changed? {fallback} of {articles}")
        )


def test_no_article_pages_no_figures():
    stats = closed_run(0, 0)
    assert stats.get_value("extract/fallback_share") is None
    assert stats.get_value("extract/layout_changed") is None


def test_threshold_must_be_a_share():
    spider = make_spider("kayhan", NEWSCRAWL_FALLBACK_ALERT_SHARE=10)
    with pytest.raises(ValueError, match="NEWSCRAWL_FALLBACK_ALERT_SHARE"):
        LayoutWatchExtension.from_crawler(spider.crawler)


def test_redesigned_site_is_reported_at_the_end_of_a_crawl(tmp_path):
    """A crawl in which two of the outlet's pages come in a design no layout knows (class
    names gone): they are still extracted, and the run ends with the alarm, in the log and
    in the stats file."""
    fixtures = article_fixtures("kayhan")
    site = tmp_path / "site"
    site.mkdir()
    manifest = []
    for number, fixture in enumerate(fixtures):
        html = fixture.page.path.read_bytes()
        if number < 2:
            html = re.sub(rb'\s(class|id|style|itemprop)="[^"]*"', b"", html)
        (site / fixture.page.path.name).write_bytes(html)
        manifest.append(f"{fixture.url}\t{fixture.page.path.name}\t200\ttext/html; charset=utf-8")
    (site / "manifest.tsv").write_text("\n".join(manifest) + "\n", encoding="utf-8")
    (tmp_path / "urls.txt").write_text("\n".join(f.url for f in fixtures) + "\n")

    result = run_crawl(
        "kayhan", tmp_path / "run", "-a", f"urls={tmp_path / 'urls.txt'}", "-a", f"replay={site}"
    )

    # Exit status 1: the layout fallback monitor failed (the crawl itself finished).
    assert result.returncode == 1, result.log[-3000:]
    assert result.stats["finish_reason"] == "finished"
    assert len(result.items) == len(fixtures)
    stats = result.stats
    assert stats["extract/articles"] == len(fixtures)
    assert stats["extract/fallback"] == 2
    assert stats["extract/fallback_share"] == pytest.approx(2 / len(fixtures), abs=1e-4)
    assert stats["extract/layout_changed"] == 1
    assert f"kayhan: layout changed? 2 of {len(fixtures)} article pages" in result.log
