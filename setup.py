"""Packaging for scrapyd only: ``scrapyd-deploy`` (scrapyd-client) builds the project's egg
with this file (``python setup.py bdist_egg``) and uploads it to the ``[deploy]`` target of
``scrapy.cfg``. The crawler itself runs from its checkout (see README), it is not installed.

The egg carries the code (``newscrawl``, ``spiders``, ``pipelines``) and names the settings
module for scrapyd's runner; it carries no saved pages: a replay job is given an absolute
path (``-d replay=/abs/path/tests/fixtures/kayhan``).
"""

from setuptools import find_packages, setup

from newscrawl import __version__

setup(
    name="newscrawl",
    version=__version__,
    packages=find_packages(include=["newscrawl", "newscrawl.*", "spiders", "pipelines"]),
    entry_points={"scrapy": ["settings = newscrawl.settings"]},
)
