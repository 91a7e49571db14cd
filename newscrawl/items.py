"""The article item: one news article as the spiders emit it."""

from __future__ import annotations

import scrapy

# The version of docs/item.schema.json the items follow (its ``schema_version`` const).
SCHEMA_VERSION = 1


class ArticleItem(scrapy.Item):
    """Fields as in the README ("Item fields"); ``text`` is the seed-format document."""

    schema_version = scrapy.Field()  # SCHEMA_VERSION (set by the dedupe pipeline)
    outlet = scrapy.Field()  # spider name: kayhan, tasnim, borna, mashregh
    code = scrapy.Field()  # the outlet's article code, ASCII digits
    url = scrapy.Field()  # canonical article URL
    title = scrapy.Field()
    uptitle = scrapy.Field()  # kicker / rutitr, or None
    lead = scrapy.Field()  # summary, or None
    body = scrapy.Field()  # paragraphs joined by a blank line
    published = scrapy.Field()  # ISO 8601 with the Asia/Tehran offset of that date
    published_text = scrapy.Field()  # the date as the page shows it
    # Where ``published`` came from: "visible" (the shown date, when it has a time), else
    # "article:published_time", "datePublished", "json-ld" or "time" (<time datetime>).
    published_source = scrapy.Field()
    category = scrapy.Field()
    tags = scrapy.Field()  # list of str
    author = scrapy.Field()  # or None
    images = scrapy.Field()  # list of absolute URLs
    text = scrapy.Field()  # the seed-format document
    fetched_at = scrapy.Field()  # ISO 8601 UTC time of the fetch
    revision = scrapy.Field()  # 1 when first emitted; +1 each time a refresh finds a change
