"""newscrawl: the shared core of the Persian news crawler (spiders live in ``spiders/``)."""

__version__ = "0.1.0"
