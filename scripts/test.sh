#!/usr/bin/env bash
# The test command: sets the machine up (scripts/setup.sh), then runs every test, OCR and slow ones included.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export DVC_NO_ANALYTICS=1 HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-ci}"
exec .venv/bin/python -m pytest -q "$@"
