from pathlib import Path

import pytest
from conftest import make_spider
from scrapy.exceptions import DropItem

from newscrawl.items import ArticleItem
from newscrawl.state import FILE_MODE
from pipelines.dedupe import DedupePipeline
from pipelines.text_files import TextFilePipeline, text_path


def item(code="123", text="doc\n", outlet="kayhan") -> ArticleItem:
    return ArticleItem(outlet=outlet, code=code, url=f"https://kayhan.ir/fa/news/{code}", text=text)


def test_dedupe_drops_second_item_with_same_code_in_flight():
    crawler = make_spider("kayhan").crawler
    pipeline = DedupePipeline.from_crawler(crawler)
    first = pipeline.process_item(item())
    assert first["revision"] == 1
    pipeline.process_item(item(code="124"))
    with pytest.raises(DropItem):
        pipeline.process_item(item(text="other text, same article\n"))
    assert crawler.stats.get_value("dedupe/duplicate") == 1
    # Same code at another outlet is another article.
    pipeline.process_item(item(outlet="borna"))


def test_dedupe_records_only_written_articles_and_drops_them_afterwards():
    crawler = make_spider("kayhan").crawler
    pipeline = DedupePipeline.from_crawler(crawler)
    written, lost = pipeline.process_item(item()), pipeline.process_item(item(code="9"))
    pipeline.item_scraped(written, None, None)
    pipeline.item_not_written(lost, None, None)  # a later pipeline dropped it
    store = pipeline.state.store
    assert store.get(("kayhan", "123")).revision == 1 and store.get(("kayhan", "9")) is None
    with pytest.raises(DropItem):
        pipeline.process_item(item())
    assert crawler.stats.get_value("dedupe/seen") == 1
    pipeline.process_item(item(code="9"))  # not written: still new


def test_refresh_emits_only_changed_articles_with_next_revision():
    spider = make_spider("kayhan", NEWSCRAWL_STATE="")
    spider.refresh = True
    spider.crawler.spider = spider
    pipeline = DedupePipeline.from_crawler(spider.crawler)
    pipeline.item_scraped(pipeline.process_item(item()), None, None)
    with pytest.raises(DropItem):
        pipeline.process_item(item())
    changed = pipeline.process_item(item(text="corrected\n"))
    assert changed["revision"] == 2
    assert spider.crawler.stats.get_value("refresh/unchanged") == 1


def test_text_files_written_atomically(tmp_path: Path):
    crawler = make_spider("kayhan", NEWSCRAWL_TEXT_DIR=str(tmp_path)).crawler
    pipeline = TextFilePipeline.from_crawler(crawler)
    pipeline.process_item(item(text="kayhan.ir\n\nمتن\n"))
    assert (tmp_path / "kayhan" / "123.txt").read_text(encoding="utf-8") == "kayhan.ir\n\nمتن\n"
    assert [p.name for p in (tmp_path / "kayhan").iterdir()] == ["123.txt"]  # no temp file left
    # Readable as any file the user creates (not mkstemp's 0600): for an ingestion tool.
    assert (tmp_path / "kayhan" / "123.txt").stat().st_mode & 0o777 == FILE_MODE


@pytest.mark.parametrize(
    ("outlet", "code"),
    [("kayhan", "../x"), ("kayhan", "%2e%2e"), ("../k", "1"), ("kayhan", "1" * 50), ("kayhan", "")],
)
def test_unsafe_names_never_reach_the_disk(tmp_path: Path, outlet, code):
    with pytest.raises(ValueError):
        text_path(tmp_path, outlet, code)
    crawler = make_spider("kayhan", NEWSCRAWL_TEXT_DIR=str(tmp_path / "text")).crawler
    with pytest.raises(DropItem):
        TextFilePipeline.from_crawler(crawler).process_item(item(outlet=outlet, code=code))
    assert not any(tmp_path.rglob("*.txt"))
