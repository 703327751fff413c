#!/usr/bin/env sh
# First command of the README: set everything up, then run the demo.
set -eu
cd "$(dirname "$0")/.."
sh scripts/bootstrap.sh
exec .venv/bin/hearth demo "$@"
