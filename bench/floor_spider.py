"""The floor of a replay crawl, for ``scrapy runspider bench/floor_spider.py``.

The outlet spider named by ``$NEWSCRAWL_BENCH_OUTLET``, everything as in a real crawl
(settings, replay, middlewares, fingerprints, pipelines) except the article callback:
with ``-a floor=engine`` it does nothing, with ``-a floor=parse`` it only parses the page.
The difference to a real crawl is the spider's own work, its pipelines and outputs.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from scrapy.http import Response
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from bench import OUTLET_VARIABLE

_outlet_spider = SpiderLoader.from_settings(get_project_settings()).load(
    os.environ[OUTLET_VARIABLE]
)


class FloorSpider(_outlet_spider):  # type: ignore[misc, valid-type]
    def __init__(self, *args, floor: str = "engine", **kwargs):
        super().__init__(*args, **kwargs)
        if floor not in ("engine", "parse"):
            raise ValueError(f"-a floor= engine or parse, not {floor!r}")
        self.floor = floor

    def parse_article(self, response: Response) -> Iterator[dict]:
        if self.floor == "parse":
            response.selector  # noqa: B018  (the lxml parse every article page starts with)
        return iter(())
