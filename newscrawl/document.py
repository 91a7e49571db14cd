"""The seed-format document: the plain-text file downstream ingestion tools read."""

from __future__ import annotations

import hashlib
from datetime import datetime

from newscrawl.dates import format_published
from newscrawl.text import to_persian_digits


def render_document(
    *,
    domain: str,
    code: str,
    published: datetime | None,
    uptitle: str | None,
    title: str,
    lead: str | None,
    paragraphs: list[str],
) -> str:
    """Lay an article out as FORMAT.md fixes it (header, uptitle, title, lead, paragraphs)."""
    lines = [domain, "", f"کد خبر: {to_persian_digits(code)}"]
    if published is not None:
        lines.append(f"تاریخ انتشار : {format_published(published)}")
    if uptitle:
        lines.append(uptitle)
    lines += ["", title, ""]
    if lead:
        lines += [lead, ""]
    lines.append("\n\n".join(paragraphs))
    return "\n".join(lines).rstrip("\n") + "\n"


def content_hash(document: str) -> str:
    """Hash of what a reader sees of the article (its document), not of fetch metadata."""
    return hashlib.sha256(document.encode("utf-8")).hexdigest()
