"""The markup-mutation generator itself (tests/markup_mutations.py), on every article fixture:
each mutation changes the page, leaves it parseable with the article's text, title and images
still in it, does the transformation it is named for, and does it the same way every time.
What the spiders make of the variants is tested elsewhere."""

from __future__ import annotations

from datetime import datetime
from functools import cache

import lxml.html
import markup_mutations as mm
import pytest
from conftest import article_fixtures

from newscrawl.text import normalize_line

ARTICLES = article_fixtures()


@cache
def page(fixture_id: str) -> str:
    [fixture] = [f for f in ARTICLES if f.id == fixture_id]
    return fixture.page.path.read_text(encoding="utf-8")


@cache
def variant(fixture_id: str, mutation: str) -> str | None:
    """The variant, or None where the mutation does not apply to the page."""
    try:
        return mm.MUTATIONS[mutation](page(fixture_id))
    except mm.MutationNotApplicable:
        return None


def applied(mutation: str):
    """(fixture, original root, variant root) for every page the mutation applies to."""
    for fixture in ARTICLES:
        html = variant(fixture.id, mutation)
        if html is not None:
            yield fixture, lxml.html.document_fromstring(page(fixture.id)), mm._parse(html)


def block_text(root) -> str:
    return normalize_line(mm._visible_text(mm.article_block(root)))


def test_the_fixture_pages_are_understood():
    """The generator finds each page's article block: title, every body paragraph, no more
    than the article's own column (no reader comment)."""
    assert len(ARTICLES) >= 40
    for fixture in ARTICLES:
        root = mm._parse(page(fixture.id))
        text = block_text(root)
        assert fixture.expected["title"] in text, fixture.id
        for paragraph in fixture.expected["body"].split("\n\n"):
            if " | " not in paragraph:  # table rows: cells are not joined by " | " on the page
                assert normalize_line(paragraph) in text, (fixture.id, paragraph[:40])
        assert mm.article_block(root).find("body") is None


@pytest.mark.parametrize("mutation", sorted(mm.MUTATIONS))
def test_variant_differs_parses_and_keeps_the_article(mutation):
    count = 0
    for fixture, _, root in applied(mutation):
        count += 1
        html = variant(fixture.id, mutation)
        assert html != mm.roundtrip(page(fixture.id)), (fixture.id, "unchanged")
        assert root.find("head") is not None and root.find("body") is not None
        text = block_text(root)
        assert fixture.expected["title"] in text, fixture.id
        for paragraph in fixture.expected["body"].split("\n\n"):
            if " | " not in paragraph:
                assert normalize_line(paragraph) in text, (fixture.id, paragraph[:40])
        sources = set(root.xpath("//img/@src | //amp-img/@src | //a/@href"))
        for image in fixture.expected["images"]:
            path = image.split("://", 1)[1].split("/", 1)[1]
            assert any(s.endswith(path) for s in sources), (fixture.id, image)
        assert mm.MUTATIONS[mutation](page(fixture.id)) == html, "deterministic"
    assert count >= 8, f"{mutation} applies to only {count} pages"


def ancestors(root) -> list[str]:
    return [a.tag for a in mm.article_block(root).iterancestors()]


def test_wrappers_removed():
    for fixture, before, after in applied("wrappers_removed"):
        assert len(ancestors(after)) < len(ancestors(before)), fixture.id


def test_wrappers_added():
    for fixture, before, after in applied("wrappers_added"):
        assert len(ancestors(after)) > len(ancestors(before)), fixture.id
        if mm._title_element(before) is not None:
            assert after.xpath("//div[contains(@class, 'title-holder')]"), fixture.id


def test_block_tag_swapped():
    for fixture, before, after in applied("block_tag_swapped"):
        old, new = mm.article_block(before).tag, mm.article_block(after).tag
        assert old != new and {old, new} <= {"div", "article", "section"}, fixture.id


def test_classes_shuffled():
    for fixture, before, after in applied("classes_shuffled"):
        old = [e.get("class") for e in mm.article_block(before).iter() if e.get("class")]
        new = [e.get("class") for e in mm.article_block(after).iter() if e.get("class")]
        assert len(old) == len(new) and old != new, fixture.id
        for was, now in zip(old, new, strict=True):
            assert set(was.split()) <= set(now.split()), fixture.id  # reordered or extended


def test_styles_removed_keeps_only_the_direction_marker():
    for fixture, before, after in applied("styles_removed"):
        assert before.xpath("//*[@style]"), fixture.id
        left = {e.get("style") for e in after.xpath("//*[@style]")}
        assert left <= {"direction: rtl;", "direction: ltr;"}, fixture.id
    # The block Borna and Kayhan are known by stays recognisable.
    [kayhan] = [f for f in ARTICLES if f.id == "kayhan-267530"]
    after = mm._parse(variant(kayhan.id, "styles_removed"))
    assert after.xpath("//*[contains(@class, 'margin_bt_fari')]//div[@style='direction: rtl;']")


def test_amp():
    pages = 0
    for fixture, before, after in applied("amp"):
        pages += 1
        assert "⚡" in after.attrib, fixture.id
        assert not after.xpath("//img") and not after.xpath("//*[@style]"), fixture.id
        assert len(after.xpath("//amp-img")) == len(before.xpath("//img")), fixture.id
        scripts = after.xpath("//script")
        assert [s.get("src") for s in scripts if s.get("src")] == [
            "https://cdn.ampproject.org/v0.js"
        ], fixture.id
        assert all(s.get("src") or s.get("type") == "application/ld+json" for s in scripts), (
            fixture.id
        )
        assert after.xpath("//style[@amp-custom]") and after.xpath("//style[@amp-boilerplate]")
    # Everything but the four AMP fixtures.
    amp_pages = [f for f in ARTICLES if "/amp/" in f.url]
    assert len(amp_pages) == 4 and pages == len(ARTICLES) - 4


def test_captions_as_span():
    pages = 0
    for fixture, before, after in applied("captions_as_span"):
        pages += 1
        captions = [
            normalize_line(c.text_content())
            for c in mm.article_block(before).iter("figcaption")
            if c.getparent().tag == "figure"
        ]
        block = mm.article_block(after)
        assert not [f for f in block.iter("figure") if f.find(".//figcaption") is not None]
        spans = {normalize_line(s.text_content()) for s in block.iter("span")}
        assert set(captions) <= spans, fixture.id
        for span in block.iter("span"):
            if normalize_line(span.text_content()) in captions:  # under its image
                holder = span.getparent()
                image = holder.getprevious() if holder.tag == "p" else holder
                assert image is not None and image.xpath(".//img | .//amp-img"), fixture.id
    assert pages >= 8


def test_date_in_json_ld_only():
    pages = 0
    for fixture, before, after in applied("date_in_json_ld_only"):
        pages += 1
        shown = fixture.expected["published_text"]
        assert shown in block_text(before) and shown not in block_text(after), fixture.id
        assert not mm.visible_date_nodes(after), fixture.id
        assert not after.xpath("//meta[@property='article:published_time']"), fixture.id
        instant = datetime.fromisoformat(mm.json_ld_published(after))
        assert instant == datetime.fromisoformat(fixture.expected["published"]), fixture.id
    # Every page shows its date but the one that has it only in JSON-LD already.
    assert pages == len([f for f in ARTICLES if f.expected["published_text"]])


def test_expected_for():
    [fixture] = [f for f in ARTICLES if f.id == "borna-2076019"]
    expected = fixture.expected
    for mutation in mm.MUTATIONS:
        result = mm.expected_for(mutation, expected)
        assert result is not expected and result["published"] == expected["published"]
        changed = {k for k in expected if result[k] != expected[k]}
        dated = {"published_text", "published_source"}
        assert changed == (dated if mutation == "date_in_json_ld_only" else set())
    assert mm.expected_for("date_in_json_ld_only", expected)["published_text"] is None
    assert expected["published_text"]  # the original is left alone
    with pytest.raises(KeyError, match="unknown mutation"):
        mm.expected_for("no_such_mutation", expected)


def test_variants_lists_what_applies():
    [fixture] = [f for f in ARTICLES if f.id == "tasnim-3318790"]  # an AMP page
    names = [name for name, _ in mm.variants(page(fixture.id))]
    assert "amp" not in names and "wrappers_added" in names
    assert set(names) < set(mm.MUTATIONS)
