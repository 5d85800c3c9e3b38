#!/usr/bin/env bash
# One-time (idempotent) set-up on a fresh machine: apt packages, a virtual environment in .venv,
# keikaku with its dependencies (the GiNZA model ships as the ja-ginza PyPI package, so nothing
# downloads at run time). Re-runs are fast: pip runs again only when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
"$PYTHON" - <<'PY' || { echo "keikaku needs Python >= 3.11 (set PYTHON=/path/to/python3.11)" >&2; exit 1; }
import sys
sys.exit(0 if sys.version_info >= (3, 11) else 1)
PY

# apt packages listed in scripts/apt-packages.txt (one per line, # comments), when missing.
missing=()
while read -r pkg; do
  [ -z "$pkg" ] && continue
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done < <(sed 's/#.*//' scripts/apt-packages.txt | tr -s ' \t' '\n')
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing apt packages: ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=.venv/.keikaku-installed
want=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing keikaku and its dependencies into .venv (first run takes a few minutes)" >&2
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[test]'
  .venv/bin/python -c "import spacy; spacy.load('ja_ginza')" >/dev/null  # the model loads offline
  echo "setup: compiling the matrix row DPs (numba, once per machine)" >&2
  .venv/bin/python -c "import extractors.matrix.row_dp"
  echo "$want" > "$stamp"
fi
