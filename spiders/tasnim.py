"""Tasnim (www.tasnimnews.com), its own CMS. Article URLs carry the Jalali date."""

import re

from newscrawl.article import ArticleMatch
from newscrawl.layout import Layout
from newscrawl.spider import NewsSpider

# "این خبر بروز رسانی می شود..." (this news is being updated), however it is spelled.
UPDATE_NOTICE = re.compile(
    r"^این خبر (?:بروز|به[ \u200c]?روز) ?[\u200c]?رسانی می[ \u200c]?شود\s*[.…]*$"
)


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
    # /fa/news/<yyyy>/<mm>/<dd>/<code>/<slug> (also its AMP view), or the short host tn.ai.
    article_url = re.compile(
        r"^https?://(?:(?:www\.)?tasnimnews\.com/fa/(?:amp/)?news"
        r"/(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})|(?:www\.)?tn\.ai)/(?P<code>\d+)(?:[/?#]|$)"
    )
    canonical_url = "https://www.tasnimnews.com/fa/news/{y}/{m}/{d}/{code}"
    soft_404 = (".error-404", ".page-404", "#error404")
    listing_area = (".list-news",)
    listing_page_param = "page"
    archive_url = "https://www.tasnimnews.com/fa/archive?date={jalali}&page=1"  # one per day
    code_url = "https://tn.ai/{code}"  # codes are sequential; the short link redirects
    layouts = (
        Layout(
            name="single-news",
            block=("article.single-news",),
            title=("h1.title", "h1"),
            uptitle=(".kicker",),
            lead=(".lead",),
            body=(".story", "[itemprop='articleBody']"),
            # li.time nests other <li>s: only its own text node is the date.
            date=("li.time::text", "li.time"),
            category=("li.service",),
            tags=(".tags li",),
            author=(".author", ".reporter"),
            lead_image=("figure.lead-image img", ".contain-img img"),
            # Seen in the wild (OUTLETS.md): the video player and "hideTag" nodes.
            drop=(".jwplayer", ".hideTag", ".video-player"),
        ),
        # The site's first design (about 2012-2016), still served for archive pages.
        Layout(
            name="legacy-2014",
            block=(".full-news",),
            title=(".full-news h1.news-title",),
            uptitle=(".full-news .rutitr",),
            lead=(".full-news .lead-text",),
            body=(".full-news .news-text",),
            date=(".news-info .date",),
            code=(".news-info .news-id",),
            category=(".news-info .news-service a",),
            tags=(".news-tags a",),
            lead_image=(".full-news .news-image img",),
            # The Flash video player box: its text shows only where Flash is missing.
            drop=(".flash-player",),
        ),
    )

    @classmethod
    def rule_body(cls, paragraphs: list[str], match: ArticleMatch) -> list[str]:
        """Tasnim's "this news is being updated..." note, a paragraph of its own."""
        return [p for p in paragraphs if not UPDATE_NOTICE.match(p)]

    # `scrapy check tasnim` (live, or offline with -s NEWSCRAWL_REPLAY=tests/fixtures/tasnim):
    # a feed that links articles, and an article page that gives one whole item.
    contract_feed_url = "https://www.tasnimnews.com/fa/rss/feed/0/7/0/"
    contract_article_url = "https://www.tasnimnews.com/fa/news/1400/04/01/2530433"
