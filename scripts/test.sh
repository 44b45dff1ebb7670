#!/usr/bin/env bash
# The test command: sets the machine up (scripts/setup.sh), runs ruff and mypy, then every test, OCR and slow ones included.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export DVC_NO_ANALYTICS=1 HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-ci}"
# Guardrails first (seconds): the lint and type checks configured in pyproject.toml; the layer contract
# is a test (tests/test_layers.py).
.venv/bin/ruff check .
.venv/bin/mypy
# Every test, slow ones included (pytest alone skips them: the fast loop of CONTRIBUTING.md).
exec .venv/bin/python -m pytest -q -m "" "$@"
