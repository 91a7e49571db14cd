"""The `scrapy check` contracts every outlet shares, on each outlet's own URLs.

Scrapy reads a callback's contracts from its docstring; an outlet names a feed URL
(``contract_feed_url``) and an article URL (``contract_article_url``), and
``add_contracts`` gives its ``parse_feed`` and ``parse_article`` the docstrings below.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

# (URL attribute, callback, contracts): a feed links articles and gives no item; an article
# page gives one item with every field the seed format needs, and no request.
CONTRACTS = (
    ("contract_feed_url", "parse_feed", "@returns requests 1\n@returns items 0 0"),
    (
        "contract_article_url",
        "parse_article",
        "@returns items 1 1\n@returns requests 0 0\n"
        "@scrapes outlet code url title body published published_text text",
    ),
)


def add_contracts(cls: type) -> None:
    """Wrap the callbacks of spider class ``cls`` with the contracts of the URLs it declares
    itself (not inherited ones)."""
    for url_attribute, callback, contracts in CONTRACTS:
        url = cls.__dict__.get(url_attribute)
        if url:
            setattr(cls, callback, _with_contracts(getattr(cls, callback), url, contracts))


def _with_contracts(callback: Callable[..., Any], url: str, contracts: str) -> Callable[..., Any]:
    @functools.wraps(callback)
    def checked(self: Any, response: Any) -> Any:
        return callback(self, response)

    checked.__doc__ = f"@url {url}\n{contracts}"
    return checked
