#!/usr/bin/env bash
# The test command: sets everything up (scripts/setup.sh), then runs the whole suite.
# Skipped tests are listed with their reason (e.g. Virtuoso not installed).
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k store`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest -rs "$@"   # -rs: print why each skipped test was skipped
