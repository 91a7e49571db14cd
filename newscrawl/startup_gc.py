"""The garbage collector through a crawl process's start-up (the crawl commands,
``newscrawl/cli.py``).

Start-up builds ~80,000 objects that live to the end of the process: the modules of Scrapy,
Twisted, lxml, trafilatura and spidermon, the spiders, settings and components. Collected
as they are made, they cost a replay process ~100 ms of its ~0.65 s of CPU (191 young, 18
middle and 2 full collections before its first page), for a few hundred objects freed:
with the collector held off, 840 objects are garbage when the engine starts, frozen with the
rest (a collection then would cost 43-58 ms). So:

- ``hold()``: the collector is off from the command's first step;
- ``start_up_done(freeze)``: once an engine runs, what start-up built is moved into the
  collector's permanent generation first (``gc.freeze()``, setting ``NEWSCRAWL_GC_FREEZE``:
  full collections then walk only what the crawl builds; 54 of them on 5,000 pages cost
  0.49 ms a page unfrozen, 0.04 ms frozen), then the collector runs again. In that order:
  switched on first, the next allocation would collect every object start-up left young;
- ``release()``: the collector as it was before ``hold()``, also when no engine started
  (a usage error, a crawl that failed to start, a caller that never runs the command).
"""

from __future__ import annotations

import gc

# Whether the collector was on when hold() switched it off; None: not held.
_was_enabled: bool | None = None


def hold() -> None:
    global _was_enabled
    if _was_enabled is None:
        _was_enabled = gc.isenabled()
        gc.disable()


def release() -> None:
    global _was_enabled
    if _was_enabled is not None:
        if _was_enabled:
            gc.enable()
        _was_enabled = None


def start_up_done(freeze: bool) -> None:
    """An engine runs: freeze what start-up built (``freeze``), then release the collector.
    With several engines in one process (crawlall), each freezes what was built since."""
    if freeze:
        gc.freeze()
    release()
