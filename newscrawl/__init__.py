"""newscrawl: the shared core of the Persian news crawler (spiders live in ``spiders/``)."""

__version__ = "0.1.0"


def user_agent(contact: str) -> str:
    """The User-Agent, naming who to write to about the crawler."""
    return f"newscrawl/{__version__} (Persian news corpus crawler; +{contact})"
