#!/usr/bin/env bash
# Set up greatgame with its development extras, install Debian's Chromium for the browser test when it is
# missing and we may install it, then run the whole test suite. Usage: bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "test: installing Debian's chromium for the browser test"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "test: could not install chromium; the browser test will be skipped"
  else
    echo "test: chromium not found and cannot be installed here; the browser test will be skipped"
  fi
fi
exec .venv/bin/python -m pytest -q "$@"
