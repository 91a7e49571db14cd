"""What the article parser tells the crawl: a page that is no article (``Skip``, counted as
``skip/<reason>``), and what it noticed on the way (``Note``: a stat and a log line)."""

from __future__ import annotations

import logging
from dataclasses import dataclass


class Skip(Exception):
    """A page that yields no item; ``reason`` names its stat ``skip/<reason>``."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason, detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Note:
    """Something the parser saw that the crawl counts (``stat``) and logs (``message``)."""

    stat: str
    message: str
    level: int = logging.INFO
    count: int = 1
