"""Mashregh (www.mashreghnews.ir), Nastooh CMS. Short links: mshrgh.ir/<code>."""

import re

from newscrawl.spider import Layout, NewsSpider


class MashreghSpider(NewsSpider):
    name = "mashregh"
    domain = "mashreghnews.ir"
    canonical_host = "www.mashreghnews.ir"
    allowed_domains = ("mashreghnews.ir", "mshrgh.ir")
    feed_urls = ("https://www.mashreghnews.ir/rss",)
    # The Nastooh archive, newest first, all services.
    listing_urls = ("https://www.mashreghnews.ir/page/archive.xhtml?ms=0&pi=1",)
    article_url = re.compile(
        r"^https?://(?:(?:www\.)?mashreghnews\.ir/news|(?:www\.)?mshrgh\.ir)/(?P<code>\d+)"
        r"(?:[/?#]|$)"
    )
    canonical_url = "https://www.mashreghnews.ir/news/{code}"
    soft_404 = (".error-404", ".page-404", "#error404")
    listing_area = ("section.archive", ".archive")
    layouts = (
        Layout(
            name="nastooh",
            article="article",
            title=("article h1.title", "h1.title"),
            uptitle=("article .rutitr", "article .kicker"),
            lead=("article p.summary", "article .introtext", "p.summary"),
            body=("div.item-text[itemprop='articleBody']", ".item-body .item-text"),
            date=(".item-date",),
            published_time=("meta[property='article:published_time']::attr(content)",),
            category=(".breadcrumb li",),
            tags=(".tags li",),
            author=(".item-author", "[itemprop='author'] [itemprop='name']"),
            lead_image=(".item-summary img", "article .item-img img"),
            gallery=("article .gallery-photos img", "article [class*='gallery'] img"),
        ),
    )
