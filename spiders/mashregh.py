"""Mashregh (www.mashreghnews.ir), Nastooh CMS. Short links: mshrgh.ir/<code>."""

import re

from newscrawl.layout import Layout
from newscrawl.spider import NewsSpider


class MashreghSpider(NewsSpider):
    name = "mashregh"
    domain = "mashreghnews.ir"
    canonical_host = "www.mashreghnews.ir"
    allowed_domains = ("mashreghnews.ir", "mshrgh.ir")
    feed_urls = ("https://www.mashreghnews.ir/rss",)
    # The Nastooh archive, newest first, all services.
    listing_urls = ("https://www.mashreghnews.ir/page/archive.xhtml?ms=0&pi=1",)
    article_url = re.compile(
        r"^https?://(?:(?:www\.)?mashreghnews\.ir/(?:news|amp|print)|(?:www\.)?mshrgh\.ir)/(?P<code>\d+)"
        r"(?:[/?#]|$)"
    )
    canonical_url = "https://www.mashreghnews.ir/news/{code}"
    soft_404 = (".error-404", ".page-404", "#error404")
    listing_area = ("section.archive", ".archive")
    listing_page_param = "pi"
    # The Nastooh archive of one day (Jalali year, month, day), all services.
    archive_url = (
        "https://www.mashreghnews.ir/page/archive.xhtml?mn={jm}&wide=0&dy={jd}&ms=0&yr={jy}&pi=1"
    )
    code_url = "https://www.mashreghnews.ir/news/{code}"  # codes are sequential
    layouts = (
        Layout(
            name="nastooh",
            block=("#item",),
            title=("h1.title", "h1"),
            uptitle=(".rutitr", ".kicker"),
            lead=("p.summary", ".introtext"),
            body=("[itemprop='articleBody']", ".item-body .item-text", ".item-text"),
            date=(".item-date",),
            category=(".breadcrumb li",),
            tags=(".tags li",),
            author=(".item-author", "[itemprop='author'] [itemprop='name']"),
            lead_image=(".item-summary img", ".item-img img"),
            gallery=(".gallery-photos img", "[class*='gallery'] img"),
        ),
        # The older Nastooh theme of the archive (about 2013-2017): no <article> element.
        Layout(
            name="legacy-2015",
            block=(".news-page",),
            title=(".news-page h1.news-title",),
            uptitle=(".news-page .news-rutitr",),
            lead=(".news-page .news-lead",),
            body=(".news-page .news-body",),
            date=(".news-head .news-date",),
            code=(".news-head .news-code",),
            category=(".news-path a",),
            tags=(".news-keywords a",),
            author=(".news-head .news-author",),
            lead_image=(".news-lead img",),
            drop=(".news-photo .photo-text",),  # image captions
        ),
    )

    # `scrapy check mashregh` (live, or offline with -s NEWSCRAWL_REPLAY=tests/fixtures/mashregh):
    # a feed that links articles, and an article page that gives one whole item.
    contract_feed_url = "https://www.mashreghnews.ir/rss"
    contract_article_url = "https://www.mashreghnews.ir/news/1566214"
