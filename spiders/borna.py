"""Borna (www.borna.news), IranSamaneh CMS: the same family of markup as Kayhan."""

import re

from newscrawl.cms import iransamaneh
from newscrawl.layout import Layout
from newscrawl.spider import NewsSpider


class BornaSpider(NewsSpider):
    name = "borna"
    domain = "borna.news"
    canonical_host = "www.borna.news"
    allowed_domains = ("borna.news",)
    feed_urls = ("https://www.borna.news/fa/rss/allnews",)
    listing_urls = (
        "https://www.borna.news/fa/archive?service_id=-1&sec_id=-1&cat_id=-1&rpp=100&p=1",
    )
    # /fa/news/<code>/<slug>, also without slug, and the AMP and print views.
    article_url = re.compile(
        r"^https?://(?:www\.)?borna\.news/fa/(?:amp/)?(?:news|print)/(?P<code>\d+)(?:[/?#]|$)"
    )
    canonical_url = "https://www.borna.news/fa/news/{code}"
    soft_404 = iransamaneh.SOFT_404
    listing_area = iransamaneh.LISTING_AREA
    listing_page_param = iransamaneh.LISTING_PAGE_PARAM
    archive_url = (
        "https://www.borna.news/fa/archive?service_id=-1&sec_id=-1&cat_id=-1&rpp=100"
        "&from_date={from_jalali}&to_date={to_jalali}&p=1"
    )
    code_url = "https://www.borna.news/fa/news/{code}"  # codes are sequential
    layouts = (
        # The IranSamaneh design of both Kayhan and Borna (newscrawl/cms/iransamaneh.py).
        iransamaneh.LAYOUT,
        # The older IranSamaneh theme of the archive (about 2013-2018): a table layout, the
        # title in a div (the page's h1 is the logo), text separated by <br>s.
        Layout(
            name="legacy-2016",
            block=(".news_box",),
            title=(".news_box .news_title",),
            uptitle=(".news_box .news_rutitr",),
            lead=(".news_box .news_lead",),
            body=(".news_box .news_text",),
            date=(".news_info .news_time",),
            code=(".news_info .news_code",),
            category=(".news_box .news_service a",),
            tags=(".news_keywords a",),
            lead_image=(".news_box .news_image",),
            drop=(".adsense_inbody",),
        ),
    )

    # `scrapy check borna` (live, or offline with -s NEWSCRAWL_REPLAY=tests/fixtures/borna):
    # a feed that links articles, and an article page that gives one whole item.
    contract_feed_url = "https://www.borna.news/fa/rss/allnews"
    contract_article_url = "https://www.borna.news/fa/news/2076019"
