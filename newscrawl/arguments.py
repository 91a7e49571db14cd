"""The spider arguments (``-a NAME=VALUE``), checked and parsed in one place.

``scrapy crawl`` and ``scrapy crawlall`` check them before any crawler starts, so that a
user's mistake is one line on stderr and exit status 2 (``newscrawl/commands``); the spider
parses them with the same function (a crawl started another way, e.g. by scrapyd, refuses
the same arguments). Every message names the argument and its valid form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings

from newscrawl.dates import DateError, parse_day
from newscrawl.discovery import parse_code_range

# What each argument takes, as the messages show it.
ARGUMENT_FORMS = {
    "urls": "urls=FILE (one URL a line)",
    "replay": "replay=PATH (a .warc, .warc.gz or a directory of saved pages)",
    "record": "record=FILE.warc.gz",
    "refresh": "refresh=1",
    "since": "since=2024-03-01 or since=1402/12/11",
    "until": "until=2024-03-30 or until=1403/01/11",
    "codes": "codes=FROM-TO, e.g. codes=2076000-2076100",
    "max_pages": "max_pages=N, a whole number from 1",
}
_FLAG_VALUES = {"1": True, "true": True, "yes": True, "on": True}
_FLAG_VALUES |= {"0": False, "false": False, "no": False, "off": False, "": False}


@dataclass(frozen=True, slots=True)
class SpiderArguments:
    urls: Path | None = None
    replay: str | None = None
    record: str | None = None
    refresh: bool = False
    since: date | None = None
    until: date | None = None
    codes: range | None = None
    max_pages: int | None = None


def _bad(name: str, value: str, why: str) -> UsageError:
    return UsageError(f"-a {name}={value}: {why}; expected {ARGUMENT_FORMS[name]}")


def parse_spider_arguments(spidercls: type, arguments: Mapping[str, str | None]) -> SpiderArguments:
    """The arguments of a crawl of ``spidercls`` (an outlet spider), or UsageError.

    Names starting with ``_`` are left alone (scrapyd passes ``_job``); any other name this
    module does not know is refused, so that a typo never silently starts a live crawl."""
    unknown = sorted(n for n in arguments if n not in ARGUMENT_FORMS and not n.startswith("_"))
    if unknown:
        raise UsageError(
            f"-a {unknown[0]}=: unknown spider argument; valid: {', '.join(ARGUMENT_FORMS)}"
        )
    given = {n: v for n, v in arguments.items() if n in ARGUMENT_FORMS and v is not None}
    name = spidercls.name
    if given.get("replay") and given.get("record"):
        raise UsageError(
            "-a replay= and -a record= exclude each other: give one of them"
            " (record a live crawl, then replay the file it wrote)"
        )
    parsed: dict = {}
    if "refresh" in given:
        flag = _FLAG_VALUES.get(given["refresh"].strip().lower())
        if flag is None:
            raise _bad("refresh", given["refresh"], "not a yes/no value")
        parsed["refresh"] = flag
    for bound in ("since", "until"):
        if bound in given:
            try:
                parsed[bound] = parse_day(given[bound])
            except DateError as error:
                why = "not a day" if str(error).startswith("not a day") else "no such day"
                raise _bad(bound, given[bound], why) from None
            if not getattr(spidercls, "archive_url", None):
                raise UsageError(f"-a {bound}=: {name} has no date archive to walk")
    if parsed.get("since") and parsed.get("until") and parsed["since"] > parsed["until"]:
        raise UsageError(
            f"-a since={given['since']} is after -a until={given['until']}:"
            " since must be the earlier day"
        )
    if "codes" in given:
        try:
            parsed["codes"] = parse_code_range(given["codes"])
        except ValueError:
            raise _bad("codes", given["codes"], "not a range of codes") from None
        if not getattr(spidercls, "code_url", None):
            raise UsageError(f"-a codes=: {name} has no URL by code")
    if "max_pages" in given:
        text = given["max_pages"].strip()
        if not text.isascii() or not text.isdigit() or int(text) < 1:
            raise _bad("max_pages", given["max_pages"], "not a whole number from 1")
        parsed["max_pages"] = int(text)
    if "urls" in given:
        urls = Path(given["urls"])
        if not urls.is_file():
            raise _bad("urls", given["urls"], "no such file")
        parsed["urls"] = urls
    if "replay" in given:
        parsed["replay"] = check_replay_source(given["replay"], "-a replay")
    if "record" in given:
        if not given["record"].endswith((".warc.gz", ".warc")):
            raise _bad("record", given["record"], "not a WARC file name")
        parsed["record"] = given["record"]
    return SpiderArguments(**parsed)


def check_replay_source(path: str, how: str) -> str:
    """``path`` if saved pages can be read from it (``how``: ``-a replay`` or
    ``-s NEWSCRAWL_REPLAY``), else UsageError."""
    if not Path(path).exists():
        raise UsageError(
            f"{how}={path}: no such file or directory;"
            " expected a .warc, .warc.gz or a directory of saved pages"
        )
    return path


def check_crawl(spidercls: type, arguments: Mapping[str, str], settings: BaseSettings) -> None:
    """Everything a crawl of ``spidercls`` can be refused for before it starts."""
    parsed = parse_spider_arguments(spidercls, arguments)
    replay_setting = settings.get("NEWSCRAWL_REPLAY")
    if replay_setting and not parsed.replay:
        check_replay_source(replay_setting, "-s NEWSCRAWL_REPLAY")
        if parsed.record:
            raise UsageError(
                "-s NEWSCRAWL_REPLAY= and -a record= exclude each other: give one of them"
            )
