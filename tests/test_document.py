from datetime import datetime

from newscrawl.dates import TEHRAN
from newscrawl.document import render_document

PUBLISHED = datetime(2023, 2, 26, 22, 15, tzinfo=TEHRAN)


def test_layout_of_format_md():
    text = render_document(
        domain="kayhan.ir",
        code="260941",
        published=PUBLISHED,
        uptitle="روتیتر :",
        title="تیتر",
        lead="لید",
        paragraphs=["یک", "دو"],
    )
    assert text == (
        "kayhan.ir\n\nکد خبر: ۲۶۰۹۴۱\nتاریخ انتشار : ۰۷ اسفند ۱۴۰۱ - ۲۲:۱۵\nروتیتر :\n\n"
        "تیتر\n\nلید\n\nیک\n\nدو\n"
    )


def test_uptitle_and_lead_left_out_when_missing():
    text = render_document(
        domain="borna.news",
        code="7",
        published=PUBLISHED,
        uptitle=None,
        title="تیتر",
        lead=None,
        paragraphs=["یک"],
    )
    assert text == "borna.news\n\nکد خبر: ۷\nتاریخ انتشار : ۰۷ اسفند ۱۴۰۱ - ۲۲:۱۵\n\nتیتر\n\nیک\n"
    assert text.endswith("یک\n") and not text.endswith("\n\n")
