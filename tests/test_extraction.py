"""Body extraction on containers: structure kept, junk dropped, ZWNJs intact."""

import parsel
import pytest

from newscrawl.extraction import extract_paragraphs
from newscrawl.layout import Layout
from newscrawl.text import ZWNJ

LAYOUT = Layout(name="t", title=("h1",), body=(".body",))


def body_of(html: str) -> list[str]:
    container = parsel.Selector(html).css(".body")[0].root
    return extract_paragraphs(container, LAYOUT.drop_xpaths)


def sentence(i: int) -> str:
    zwnj = "\u200c"
    return f"جمله شماره {i} درباره گفت{zwnj}وگوهای بین{zwnj}المللی است که می{zwnj}تواند ادامه دارد."


def test_every_paragraph_form_survives():
    html = f"""<div class="body">
      <p>{sentence(1)}</p>
      <p>{sentence(2)}<br>{sentence(3)}<br/>{sentence(4)}</p>
      <div>{sentence(5)}</div><div>{sentence(6)}</div>
      <h3>میان‌تیتر</h3>
      <p><strong>تیتر پررنگ</strong></p>
      <table><tr><th>نام</th><th>مقدار</th></tr><tr><td>الف</td><td>۱۲</td></tr></table>
      <ul><li>مورد یک</li><li>مورد دو</li></ul>
      <p>انتهای پیام/</p></div>"""
    assert body_of(html) == [
        sentence(1),
        sentence(2),
        sentence(3),
        sentence(4),
        sentence(5),
        sentence(6),
        "میان‌تیتر",
        "تیتر پررنگ",
        "نام | مقدار",
        "الف | ۱۲",
        "مورد یک",
        "مورد دو",
        "انتهای پیام/",
    ]


def test_zwnj_survives_trafilatura():
    """trafilatura alone deletes every U+200C; the pipeline must not."""
    html = f'<div class="body">{"".join(f"<p>{sentence(i)}</p>" for i in range(8))}</div>'
    paragraphs = body_of(html)
    assert paragraphs == [sentence(i) for i in range(8)]
    assert sum(p.count(ZWNJ) for p in paragraphs) == 8 * 3


@pytest.mark.parametrize(
    "junk",
    [
        '<div class="related-news">بیشتر بخوانید: <a href="/x">خبر دیگر</a></div>',
        '<p><strong>بیشتر بخوانید:</strong> <a href="/x">خبر دیگر</a></p>',
        '<div class="ads-box"><a href="/ad">خرید اقساطی خبر دیگر</a></div>',
        '<div class="share-buttons"><a>اشتراک خبر دیگر</a></div>',
        '<figure><img src="/a.jpg"><figcaption>زیرنویس خبر دیگر</figcaption></figure>',
        '<script>var x = "خبر دیگر";</script>',
    ],
)
def test_boxes_inside_the_body_are_dropped(junk):
    html = f'<div class="body"><p>{sentence(1)}</p>{junk}<p>{sentence(2)}</p></div>'
    paragraphs = body_of(html)
    assert paragraphs == [sentence(1), sentence(2)]


def test_a_body_that_starts_with_a_read_more_box_is_not_dropped_whole():
    long_text = "".join(f"<p>{sentence(i)}</p>" for i in range(20))
    html = f'<div class="body"><p>بیشتر بخوانید: <a href="/x">خبر دیگر</a></p>{long_text}</div>'
    assert body_of(html) == [sentence(i) for i in range(20)]
