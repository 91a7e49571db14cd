"""Log records that no handler would write are not made (the crawl commands,
``newscrawl/cli.py``).

Scrapy gives its root handler the level ``LOG_LEVEL`` but leaves the root logger itself at
NOTSET: under ``LOG_LEVEL=INFO`` every ``logger.debug()`` of a crawl (Scrapy's "Crawled" and
"Scraped from" lines, trafilatura's, the spider's own notes; ~6 a page) still builds a
``LogRecord`` (time, process, thread, caller) that the handler then drops: ~1.5% of a replay
crawl's CPU. So, once an engine runs, the root logger takes the lowest level of the
handlers there are (``skip_unhandled``): a record that some handler would write is made as
before, and a handler at NOTSET (pytest's, say) keeps everything. ``restore`` puts the level
back when the command ends.
"""

from __future__ import annotations

import logging

# The root logger's level before skip_unhandled() raised it; None: not raised.
_previous_level: int | None = None


def _handlers() -> list[logging.Handler]:
    loggers = [logging.root, *logging.Logger.manager.loggerDict.values()]
    return [h for lg in loggers if isinstance(lg, logging.Logger) for h in lg.handlers]


def skip_unhandled() -> None:
    """Raise the root logger's level to the lowest level of any handler, if that is higher.
    Called again (crawlall starts an engine per outlet, and each crawler reinstalls Scrapy's
    handler with the root logger at NOTSET), it raises it again."""
    global _previous_level
    handlers = _handlers()
    if not handlers:
        return
    lowest = min(handler.level for handler in handlers)
    if lowest <= logging.root.level:
        return
    if _previous_level is None:
        _previous_level = logging.root.level
    logging.root.setLevel(lowest)


def restore() -> None:
    """The root logger's level as it was before ``skip_unhandled``."""
    global _previous_level
    if _previous_level is not None:
        logging.root.setLevel(_previous_level)
        _previous_level = None
