#!/usr/bin/env bash
# Set up everything (a virtualenv in .venv with the crawler and its test tools), then run
# the main job: crawl all four outlets over the bundled saved pages (offline replay) into
# output/. Safe to rerun. Usage: bash run.sh
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# pip 23.2 cannot resolve trafilatura's lxml[html-clean] extra: upgrade pip first.
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -r requirements-dev.txt
# The project's bytecode, compiled once (as pip does for what it installs): a process
# started where PYTHONDONTWRITEBYTECODE is set would otherwise compile it every time.
.venv/bin/python -m compileall -q newscrawl spiders pipelines

mkdir -p output/logs
# A replay keeps its seen-store in memory and its text files under output/replay/<source>/:
# the saved pages are old articles that a live crawl (output/state.sqlite3) must not take
# as already seen.
.venv/bin/scrapy crawlall \
  -a replay=tests/fixtures \
  -O 'output/%(name)s.jsonl' \
  -s NEWSCRAWL_STATS_FILE='output/stats/{spider}.json' \
  -s LOG_FILE=output/logs/replay.log
echo "JSON lines: output/<outlet>.jsonl; one text file per article:"
echo "  output/replay/fixtures/text/<outlet>/<code>.txt;"
echo "stats: output/stats/<outlet>.json; log: output/logs/replay.log"
