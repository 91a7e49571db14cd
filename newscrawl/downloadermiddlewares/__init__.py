"""The project's downloader middlewares, one module each (their places: settings.py
``DOWNLOADER_MIDDLEWARES``). The modes' own (replay's offline guard, the Redis lease
release) live beside their mode, in ``newscrawl/replay.py`` and ``newscrawl/distributed.py``.
"""
