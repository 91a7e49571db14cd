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

mkdir -p output/logs
# The replay has a seen-store of its own, started afresh: the saved pages are old articles
# that a live crawl (output/state.sqlite3) must not take as already seen.
rm -f output/replay-state.sqlite3*
for outlet in $(.venv/bin/scrapy list); do
  .venv/bin/scrapy crawl "$outlet" \
    -a replay="tests/fixtures/$outlet" \
    -O "output/$outlet.jsonl" \
    -s NEWSCRAWL_TEXT_DIR=output/text \
    -s NEWSCRAWL_STATE=output/replay-state.sqlite3 \
    -s NEWSCRAWL_STATS_FILE="output/stats/$outlet.json" \
    -s LOG_FILE="output/logs/$outlet.log" \
    -s LOG_LEVEL=INFO
  echo "$outlet: $(wc -l < "output/$outlet.jsonl") articles -> output/$outlet.jsonl, output/text/$outlet/"
done
echo "Done. JSON lines: output/<outlet>.jsonl; one text file per article: output/text/<outlet>/<code>.txt; logs: output/logs/"
