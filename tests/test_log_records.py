"""Log records that no handler would write are not made (newscrawl/log_records.py), and the
root logger's level is given back."""

from __future__ import annotations

import io
import logging

import pytest

from newscrawl import log_records


@pytest.fixture
def only_handler_at(monkeypatch):
    """The root logger with one handler of the given level and nothing else anywhere."""

    def install(level: int) -> logging.Handler:
        handler = logging.StreamHandler(io.StringIO())
        handler.setLevel(level)
        monkeypatch.setattr(logging.root, "handlers", [handler])
        monkeypatch.setattr(logging.Logger.manager, "loggerDict", {})
        return handler

    level = logging.root.level
    yield install
    log_records.restore()
    logging.root.setLevel(level)


def records_made(logger: logging.Logger, level: int) -> int:
    made = []
    factory = logging.getLogRecordFactory()

    def counting(*args, **kwargs):
        made.append(args)
        return factory(*args, **kwargs)

    logging.setLogRecordFactory(counting)
    try:
        logger.log(level, "x")
    finally:
        logging.setLogRecordFactory(factory)
    return len(made)


def test_records_below_every_handler_are_not_made(only_handler_at):
    logging.root.setLevel(logging.NOTSET)
    only_handler_at(logging.INFO)
    log_records.skip_unhandled()
    logger = logging.getLogger("newscrawl.test")
    assert records_made(logger, logging.DEBUG) == 0
    assert records_made(logger, logging.INFO) == 1
    log_records.restore()
    assert logging.root.level == logging.NOTSET
    assert records_made(logger, logging.DEBUG) == 1


def test_a_logger_set_below_every_handler_is_raised_too(only_handler_at):
    """Scrapy's own logger is at DEBUG (its default logging configuration)."""
    logging.root.setLevel(logging.NOTSET)
    only_handler_at(logging.INFO)
    verbose = logging.getLogger("newscrawl.test.scrapy_like")
    verbose.setLevel(logging.DEBUG)
    follower = logging.getLogger("newscrawl.test.follower")
    log_records.skip_unhandled()
    assert records_made(verbose, logging.DEBUG) == 0
    assert records_made(verbose, logging.INFO) == 1
    assert follower.level == logging.NOTSET  # follows the root
    log_records.restore()
    assert verbose.level == logging.DEBUG


def test_a_null_handler_does_not_count(only_handler_at):
    """What logging.captureWarnings puts on py.warnings writes nothing."""
    logging.root.setLevel(logging.NOTSET)
    only_handler_at(logging.WARNING)
    logging.getLogger("py.warnings").addHandler(logging.NullHandler())
    log_records.skip_unhandled()
    assert logging.root.level == logging.WARNING


def test_a_handler_that_takes_everything_keeps_everything(only_handler_at):
    logging.root.setLevel(logging.NOTSET)
    only_handler_at(logging.WARNING)
    logging.getLogger("newscrawl.test.verbose").addHandler(logging.StreamHandler(io.StringIO()))
    try:
        log_records.skip_unhandled()
        assert logging.root.level == logging.NOTSET
    finally:
        logging.getLogger("newscrawl.test.verbose").handlers.clear()


def test_raised_again_after_scrapy_resets_it_and_restored_once(only_handler_at):
    logging.root.setLevel(logging.DEBUG)
    only_handler_at(logging.WARNING)
    log_records.skip_unhandled()
    logging.root.setLevel(logging.NOTSET)  # the next crawler of crawlall reinstalls its handler
    log_records.skip_unhandled()
    assert logging.root.level == logging.WARNING
    log_records.restore()
    assert logging.root.level == logging.DEBUG  # as it was first
