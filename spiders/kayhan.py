"""Kayhan (kayhan.ir), IranSamaneh CMS."""

import re

from newscrawl.cms import iransamaneh
from newscrawl.layout import Layout
from newscrawl.spider import NewsSpider


class KayhanSpider(NewsSpider):
    name = "kayhan"
    domain = "kayhan.ir"
    canonical_host = "kayhan.ir"
    allowed_domains = ("kayhan.ir",)
    feed_urls = ("https://kayhan.ir/fa/rss/allnews",)
    # The IranSamaneh archive, newest first, all services.
    listing_urls = ("https://kayhan.ir/fa/archive?service_id=-1&sec_id=-1&cat_id=-1&rpp=100&p=1",)
    # /fa/news/<code>/<slug>, also without slug, and the AMP and print views.
    article_url = re.compile(
        r"^https?://(?:www\.)?kayhan\.ir/fa/(?:amp/)?(?:news|print)/(?P<code>\d+)(?:[/?#]|$)"
    )
    canonical_url = "https://kayhan.ir/fa/news/{code}"
    soft_404 = iransamaneh.SOFT_404
    listing_area = iransamaneh.LISTING_AREA
    listing_page_param = iransamaneh.LISTING_PAGE_PARAM
    archive_url = (
        "https://kayhan.ir/fa/archive?service_id=-1&sec_id=-1&cat_id=-1&rpp=100"
        "&from_date={from_jalali}&to_date={to_jalali}&p=1"
    )
    code_url = "https://kayhan.ir/fa/news/{code}"  # codes are sequential
    layouts = (
        # The IranSamaneh design of both Kayhan and Borna (newscrawl/cms/iransamaneh.py).
        iransamaneh.LAYOUT,
        # The older IranSamaneh theme of the archive (about 2012-2017): a table layout, the
        # title in an h2, paragraphs pasted from Word.
        Layout(
            name="legacy-2015",
            block=(".news_content_box",),
            title=(".news_content_box .newsTitle",),
            uptitle=(".newsRutitr",),
            lead=(".newsLead",),
            body=(".news_body",),
            date=(".newsDate",),
            code=(".newsCode",),
            category=(".newsPath a",),
            tags=(".newsTags a",),
            lead_image=(".newsImg",),
            drop=(".tabligh_inbody",),
        ),
    )

    # `scrapy check kayhan` (live, or offline with -s NEWSCRAWL_REPLAY=tests/fixtures/kayhan):
    # a feed that links articles, and an article page that gives one whole item.
    contract_feed_url = "https://kayhan.ir/fa/rss/allnews"
    contract_article_url = "https://kayhan.ir/fa/news/260941"
