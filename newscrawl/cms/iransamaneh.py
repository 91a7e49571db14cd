"""IranSamaneh, the CMS of Kayhan and Borna: one family of markup, declared once.

What is known of it (both outlets): the article block is ``div[style='direction: rtl;']``
(Kayhan wraps it in ``.margin_bt_fari``, Borna is not known to: neither is required);
uptitle ``.rutitr``, title ``h1`` (``h1.title``), lead ``.subtitle``, body ``.body`` /
``.body_news``, date ``.news_pdate_c`` beside a label ``<span>تاریخ انتشار :</span>``, code
``.news_id_c`` ("کد خبر: ۲۶۰۹۴۱"), breadcrumb ``.news_path a``, tags ``.tags_title a``, lead
image ``.img_news``. The "not found" page is HTTP 200 with ``div.error_container``.
"""

from __future__ import annotations

from newscrawl.layout import Layout, starts_with_any_xpath

# The CMS's embedded video block: a player, then a line of its actions ("کد ویدیو" = embed
# code, "دانلود فیلم اصلی" = download the original) that is not article text.
VIDEO_BLOCK_PHRASES = ("کد ویدیو", "دانلود فیلم اصلی", "دانلود فیلم")

LAYOUT = Layout(
    name="iransamaneh",
    block=("div[style*='direction']",),
    title=("h1.title", "h1"),
    uptitle=(".rutitr",),
    lead=(".subtitle",),
    body=(".body_news", ".body"),
    # "<span>تاریخ انتشار :</span> ۰۷ اسفند ۱۴۰۱ - ۲۲:۱۵": the text beside the label first.
    date=(".news_pdate_c::text", ".news_pdate_c"),
    code=(".news_id_c",),
    category=(".news_path a", ".news_cat_c"),
    tags=(".tags_title a",),
    author=(".author_name", ".news_author"),
    lead_image=("img.img_news", ".img_news img"),
    gallery=(".image_set img", ".photo_gallery img"),
    drop=(
        "[class*='video_box']",
        "[class*='embed_code']",
        starts_with_any_xpath(VIDEO_BLOCK_PHRASES, max_chars=200),
    ),
)

SOFT_404: tuple[str, ...] = ("div.error_container",)
# The list itself on an archive page (not its menus and sidebars).
LISTING_AREA: tuple[str, ...] = (".archive_content", ".linear_news")
LISTING_PAGE_PARAM = "p"
