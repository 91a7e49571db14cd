from pathlib import Path

import pytest
from conftest import make_spider
from scrapy.exceptions import DropItem

from newscrawl.items import ArticleItem
from pipelines.dedupe import DedupePipeline
from pipelines.text_files import TextFilePipeline, text_path


def item(code="123", text="doc\n", outlet="kayhan") -> ArticleItem:
    return ArticleItem(outlet=outlet, code=code, url=f"https://kayhan.ir/fa/news/{code}", text=text)


def test_dedupe_drops_second_item_with_same_code():
    crawler = make_spider("kayhan").crawler
    pipeline = DedupePipeline.from_crawler(crawler)
    pipeline.process_item(item())
    pipeline.process_item(item(code="124"))
    with pytest.raises(DropItem):
        pipeline.process_item(item(text="other text, same article\n"))
    assert crawler.stats.get_value("dedupe/duplicate") == 1
    # Same code at another outlet is another article.
    pipeline.process_item(item(outlet="borna"))


def test_text_files_written_atomically(tmp_path: Path):
    crawler = make_spider("kayhan", NEWSCRAWL_TEXT_DIR=str(tmp_path)).crawler
    pipeline = TextFilePipeline.from_crawler(crawler)
    pipeline.process_item(item(text="kayhan.ir\n\nمتن\n"))
    assert (tmp_path / "kayhan" / "123.txt").read_text(encoding="utf-8") == "kayhan.ir\n\nمتن\n"
    assert [p.name for p in (tmp_path / "kayhan").iterdir()] == ["123.txt"]  # no temp file left


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
