"""Kayhan (kayhan.ir), IranSamaneh CMS."""

import re

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
    soft_404 = ("div.error_container",)
    listing_area = (".archive_content", ".linear_news")
    listing_page_param = "p"
    archive_url = (
        "https://kayhan.ir/fa/archive?service_id=-1&sec_id=-1&cat_id=-1&rpp=100"
        "&from_date={from_jalali}&to_date={to_jalali}&p=1"
    )
    code_url = "https://kayhan.ir/fa/news/{code}"  # codes are sequential
    layouts = (
        Layout(
            name="iransamaneh",
            article=".margin_bt_fari div[style*='direction'], .margin_bt_fari",
            title=("h1.title", ".margin_bt_fari h1"),
            uptitle=(".rutitr",),
            lead=(".subtitle",),
            body=(".body_news", ".body"),
            # "<span>تاریخ انتشار :</span> ۰۷ اسفند ۱۴۰۱ - ۲۲:۱۵": the text beside the label.
            date=(".news_pdate_c::text", ".news_pdate_c"),
            code=(".news_id_c",),
            category=(".news_path a", ".news_cat_c"),
            tags=(".tags_title a",),
            author=(".author_name", ".news_author"),
            lead_image=("img.img_news", ".img_news img"),
            gallery=(".image_set img", ".photo_gallery img"),
        ),
        # The older IranSamaneh theme of the archive (about 2012-2017): a table layout, the
        # title in an h2, paragraphs pasted from Word.
        Layout(
            name="legacy-2015",
            article="div.news_content_box",
            title=("div.news_content_box h2.newsTitle",),
            uptitle=(".newsRutitr",),
            lead=(".newsLead",),
            body=("div.news_body",),
            date=(".newsDate",),
            code=(".newsCode",),
            category=(".newsPath a",),
            tags=(".newsTags a",),
            lead_image=("img.newsImg",),
            drop=(".tabligh_inbody",),
        ),
    )

    # `scrapy check kayhan` (live, or offline with -s NEWSCRAWL_REPLAY=tests/fixtures/kayhan):
    # a feed that links articles, and an article page that gives one whole item.
    contract_feed_url = "https://kayhan.ir/fa/rss/allnews"
    contract_article_url = "https://kayhan.ir/fa/news/260941"
