"""URL identity of an outlet's articles: which article a URL names, its canonical URL, and
the URL an article link is fetched at. An outlet declares ``article_url`` (a pattern with a
group ``code``), ``canonical_url`` (a format over its groups) and ``canonical_host``."""

from __future__ import annotations

import re
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

# Print and AMP views of an article: the same article, another layout.
_ALTERNATE_VIEW = re.compile(r"/(?:amp|print)(?:/|$)")


class OutletURLs(Protocol):
    name: str
    article_url: re.Pattern[str]
    canonical_url: str
    canonical_host: str


# The host of an absolute URL (after any user info, before any port), as urlsplit's hostname
# gives it but ~10x faster: a replay checks every record of an archive at start-up.
_HOST = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?([^:/?#]*)")


def on_domains(domains: tuple[str, ...], url: str) -> bool:
    """Whether ``url``'s host is one of ``domains`` or a subdomain of one, as Scrapy's
    off-site middleware decides for a spider's ``allowed_domains``."""
    match = _HOST.match(url)
    host = match[1].lower() if match else ""
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def url_code(outlet: OutletURLs, url: str) -> str | None:
    """The article code ``url`` names, or None when it names no article of the outlet."""
    match = outlet.article_url.match(url) if url else None
    return match["code"] if match else None


def article_key(outlet: OutletURLs, url: str) -> tuple[str, str] | None:
    """Identity of the article a URL points to: (outlet, code), or None."""
    code = url_code(outlet, url)
    return (outlet.name, code) if code else None


def canonical_url(outlet: OutletURLs, *urls: str) -> str | None:
    """The canonical URL, from the first of ``urls`` that carries every part it needs."""
    for url in urls:
        match = outlet.article_url.match(url) if url else None
        if match:
            parts = {k: v for k, v in match.groupdict().items() if v is not None}
            try:  # a short link (tn.ai/<code>) lacks the date the canonical form needs
                return outlet.canonical_url.format(**parts)
            except (KeyError, IndexError):
                continue
    return None


def on_canonical_host(outlet: OutletURLs, url: str) -> str:
    """``url`` as https on the canonical host (not its www/non-www twin), without query
    string or fragment (tracking parameters)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host.removeprefix("www.") == outlet.canonical_host.removeprefix("www."):
        host = outlet.canonical_host
    return urlunsplit(("https", host, parts.path, "", ""))


def request_url(outlet: OutletURLs, url: str) -> str:
    """An article link as it is fetched: on the canonical host, without query or fragment;
    a print or AMP view is replaced by the article page itself."""
    if _ALTERNATE_VIEW.search(urlsplit(url).path):
        canonical = canonical_url(outlet, url)
        if canonical:
            return canonical
    return on_canonical_host(outlet, url)
