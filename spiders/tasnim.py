"""Tasnim (www.tasnimnews.com), its own CMS. Article URLs carry the Jalali date."""

import re

from newscrawl.spider import Layout, NewsSpider


class TasnimSpider(NewsSpider):
    name = "tasnim"
    domain = "tasnimnews.com"
    canonical_host = "www.tasnimnews.com"
    allowed_domains = ("tasnimnews.com", "tn.ai")
    feed_urls = (
        "https://www.tasnimnews.com/fa/rss/feed/0/7/0/",  # latest
        "https://www.tasnimnews.com/fa/rss/feed/0/8/0/",  # top news
    )
    listing_urls = ("https://www.tasnimnews.com/fa/archive",)
    # /fa/news/<yyyy>/<mm>/<dd>/<code>/<slug>, or the short host tn.ai/<code>.
    article_url = re.compile(
        r"^https?://(?:(?:www\.)?tasnimnews\.com/fa/news/(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})"
        r"|(?:www\.)?tn\.ai)/(?P<code>\d+)(?:[/?#]|$)"
    )
    canonical_url = "https://www.tasnimnews.com/fa/news/{y}/{m}/{d}/{code}"
    soft_404 = (".error-404", ".page-404", "#error404")
    listing_area = (".list-news",)
    layouts = (
        Layout(
            name="single-news",
            article="article.single-news",
            title=("article.single-news h1.title", "h1.title"),
            uptitle=(".kicker",),
            lead=(".lead",),
            body=(".story",),
            # li.time nests other <li>s: only its own text node is the date.
            date=("li.time::text", "li.time"),
            category=("li.service",),
            tags=(".tags li",),
            author=(".author", ".reporter"),
            lead_image=(
                "article.single-news figure.lead-image img",
                "article.single-news .contain-img img",
            ),
            drop=(".jwplayer", ".hideTag", ".video-player"),
        ),
    )
