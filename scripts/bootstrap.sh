#!/usr/bin/env sh
# Create .venv and install Hearth from the lock files. Idempotent: reinstalls only when a lock or
# pyproject changed. Needs only Python 3.11+ with venv.
#   sh scripts/bootstrap.sh        what `hearth` needs to run (requirements.lock): the demo
#   sh scripts/bootstrap.sh dev    plus the test and lint tools (requirements-dev.lock): the tests
set -eu
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Hearth needs Python 3.11 or newer (found: $("$PY" --version 2>&1))." >&2
  exit 1
fi
case "${1:-run}" in
  run) locks="requirements.lock" ;;
  dev) locks="requirements.lock requirements-dev.lock" ;;
  *) echo "usage: sh scripts/bootstrap.sh [dev]" >&2; exit 2 ;;
esac
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
pip() { .venv/bin/python -m pip --quiet --disable-pip-version-check "$@"; }
stamp=".venv/.hearth-${1:-run}"
want=$(cat $locks pyproject.toml | cksum)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  pip install --upgrade pip
  for lock in $locks; do pip install -r "$lock"; done
  # Hearth itself, editable (the source tree is what runs). setuptools explains editable installs in
  # warnings meant for packagers; a newcomer's first screen should not carry them.
  PYTHONWARNINGS="ignore::Warning:setuptools.command.editable_wheel" pip install --no-deps -e .
  echo "$want" > "$stamp"
fi
