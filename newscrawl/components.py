"""Leaving Scrapy components out of a crawl without importing them.

Scrapy imports every key of a component dict (``EXTENSIONS``, ``DOWNLOADER_MIDDLEWARES``...)
to match import paths with classes, one set to None too (and its
``setdefault_in_component_priority_dict`` takes the class: an import as well). Importing a
component only to disable it costs start-up (cookies imports tldextract, ~50 ms;
RemoteControl aiohttp, ~150 ms), so a component is left out of ``<name>_BASE``, Scrapy's
defaults, instead.
"""

from __future__ import annotations

from scrapy.settings import BaseSettings

# Scrapy's components that are off unless their setting turns them on: left out when off.
SWITCHED_COMPONENTS = (
    ("REMOTE_CONTROL_ENABLED", "EXTENSIONS", "scrapy.extensions.remote_control.RemoteControl"),
    ("TELNETCONSOLE_ENABLED", "EXTENSIONS", "scrapy.extensions.telnet.TelnetConsole"),
)


def leave_out_unless_set(settings: BaseSettings, name: str, path: str) -> None:
    """Leave component ``path`` out of the component dict ``name`` unless the project or
    the user lists it there."""
    if path in settings.getdict(name):
        return
    base_name = f"{name}_BASE"
    base = settings.getdict(base_name)
    if base.pop(path, None) is not None:
        settings.set(base_name, base, priority=settings.getpriority(base_name) or 0)


def leave_out_switched_off(settings: BaseSettings) -> None:
    """Leave out the switched components whose setting is off."""
    for switch, name, path in SWITCHED_COMPONENTS:
        if not settings.getbool(switch):
            leave_out_unless_set(settings, name, path)
