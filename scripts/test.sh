#!/usr/bin/env sh
# Second command of the README: set everything up, then run the whole test suite.
set -eu
cd "$(dirname "$0")/.."
sh scripts/bootstrap.sh dev
exec .venv/bin/python -m pytest "$@"
