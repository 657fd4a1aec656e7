#!/usr/bin/env bash
# The README's test command: every test, headless, with a real training back-end where needed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
py=.venv/bin/python
[ -x "$py" ] || py=python3
exec "$py" -m pytest -p no:cacheprovider "$@"
