"""Extraction that holds on pages the layouts were not written for.

- Every article fixture, mutated as real sites vary their markup (tests/markup_mutations.py:
  wrappers removed or added, the block's tag swapped, classes reordered or extended, inline
  styles removed, the AMP form, captions as <span>s, the date only in JSON-LD), gives the
  same item as the original page (for the date mutation: the same instant).
- With every layout's title and body selectors disabled, the structural fallback still
  finds the article: body F1 >= 0.90 on each page, no boilerplate leak.
"""

from __future__ import annotations

import markup_mutations
import pytest
from conftest import SPIDERS, article_fixtures

from bench.quality import found_leaks, mutation_differences, token_scores, without_layouts
from newscrawl.article import FALLBACK, parse_response
from tests.fixture_pages import page_response

ARTICLES = article_fixtures()
FALLBACK_MIN_F1 = 0.90


def variants():
    for fixture in ARTICLES:
        html = fixture.page.path.read_bytes().decode("utf-8")
        for name, mutate in markup_mutations.MUTATIONS.items():
            try:
                yield pytest.param(fixture, name, mutate(html), id=f"{fixture.id}-{name}")
            except markup_mutations.MutationNotApplicable:
                continue


@pytest.mark.parametrize(("fixture", "mutation", "html"), list(variants()))
def test_mutated_page_gives_the_same_item(fixture, mutation, html):
    expected = markup_mutations.expected_for(mutation, fixture.expected)
    outlet = SPIDERS.load(fixture.outlet)
    assert mutation_differences(fixture.url, html, outlet, expected) == []


def test_every_mutation_applies_to_pages_of_every_outlet():
    applied = {(p.values[0].outlet, p.values[1]) for p in variants()}
    for outlet in {f.outlet for f in ARTICLES}:
        for name in markup_mutations.MUTATIONS:
            assert (outlet, name) in applied, (outlet, name)


@pytest.mark.parametrize("fixture", ARTICLES, ids=[f.id for f in ARTICLES])
def test_structural_fallback_finds_the_article_without_any_layout(fixture):
    outlet = without_layouts(SPIDERS.load(fixture.outlet))
    article = parse_response(page_response(fixture.url, fixture.page), outlet)
    assert article.layout == FALLBACK
    body = article.fields["body"]
    assert token_scores(body, fixture.expected["body"])[2] >= FALLBACK_MIN_F1
    assert found_leaks(body, fixture.expected["leaks"]) == ()
    assert article.fields["code"] == fixture.expected["code"]
    assert article.fields["title"] == fixture.expected["title"]
