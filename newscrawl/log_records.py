"""Log records that no handler would write are not made (the crawl commands,
``newscrawl/cli.py``).

Scrapy gives its root handler the level ``LOG_LEVEL`` but leaves the root logger at NOTSET
and its own ``scrapy`` logger at DEBUG: under ``LOG_LEVEL=INFO`` every ``logger.debug()`` of
a crawl (Scrapy's "Crawled" and "Scraped from" lines, trafilatura's, the spider's own
notes; ~6 a page) still builds a ``LogRecord`` (time, process, thread, caller) that the
handler then drops: ~1.5% of a replay crawl's CPU. So, once an engine runs, the root logger
and every logger set below the lowest level of the handlers there are take that level
(``skip_unhandled``): a record that some handler would write is made as before, and a
handler at NOTSET (pytest's, say) keeps everything. A ``NullHandler`` (what
``logging.captureWarnings`` puts on ``py.warnings``) writes nothing and does not count.
``restore`` puts the levels back when the command ends.
"""

from __future__ import annotations

import logging

# The loggers skip_unhandled() raised, with their levels before; empty: none raised.
_previous_levels: dict[logging.Logger, int] = {}


def _loggers() -> list[logging.Logger]:
    others = logging.Logger.manager.loggerDict.values()
    return [logging.root, *(lg for lg in others if isinstance(lg, logging.Logger))]


def skip_unhandled() -> None:
    """Raise the root logger, and any logger whose own level is below it, to the lowest
    level of any handler. Called again (crawlall starts an engine per outlet, and each
    crawler reinstalls Scrapy's handler with the root logger at NOTSET), it raises again."""
    loggers = _loggers()
    handlers = [
        handler
        for lg in loggers
        for handler in lg.handlers
        if not isinstance(handler, logging.NullHandler)
    ]
    if not handlers:
        return
    lowest = min(handler.level for handler in handlers)
    for logger in loggers:
        # A logger at NOTSET (other than the root) follows its parent: left as it is.
        below = logger.level < lowest and (logger is logging.root or logger.level != 0)
        if below:
            _previous_levels.setdefault(logger, logger.level)
            logger.setLevel(lowest)


def restore() -> None:
    """The loggers' levels as they were before ``skip_unhandled``."""
    for logger, level in _previous_levels.items():
        logger.setLevel(level)
    _previous_levels.clear()
