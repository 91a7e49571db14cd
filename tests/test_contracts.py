"""`scrapy check`: each spider's contracts, offline over its fixtures, pass; and fail when the
saved pages are not the outlet's (so they can)."""

import subprocess
import sys

import pytest
from conftest import FIXTURES, OUTLETS
from crawl_helpers import ROOT, crawl_env


def scrapy_check(outlet: str, source) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "check",
            outlet,
            "-s",
            f"NEWSCRAWL_REPLAY={source}",
            "-s",
            "NEWSCRAWL_STATE=",
            "-s",
            "NEWSCRAWL_MANIFEST_DIR=",
        ],
        cwd=ROOT,
        env=crawl_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("outlet", OUTLETS)
def test_contracts_pass_on_the_outlets_pages(outlet):
    done = scrapy_check(outlet, FIXTURES / outlet)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Ran 5 contracts" in done.stderr and "OK" in done.stderr


def test_contracts_fail_on_other_pages():
    done = scrapy_check("kayhan", FIXTURES / "borna")
    assert done.returncode != 0
    assert "FAILED" in done.stderr
