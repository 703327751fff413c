#!/usr/bin/env sh
# Re-pin the dependencies after changing the ranges in pyproject.toml (needs `uv`: pip install uv).
# requirements.lock     — what `hearth run` needs (with the postgres extra: asyncpg): the demo and the
#                         Docker image install only this.
# requirements-dev.lock — the same pins plus the test and lint tools (scripts/test.sh, CI).
# Existing pins are kept unless a range excludes them; add --upgrade to move everything forward.
set -eu
cd "$(dirname "$0")/.."
uv pip compile pyproject.toml --extra postgres -o requirements.lock --python-version 3.11 "$@"
uv pip compile pyproject.toml --extra postgres --extra dev -c requirements.lock -o requirements-dev.lock --python-version 3.11 "$@"
