#!/usr/bin/env bash
# Set up a bare Debian machine for this project (idempotent, safe to re-run):
#   Debian packages (fonts with Vietnamese glyphs, Tesseract OCR), a virtual environment at .venv with
#   the pinned Python packages, and DVC with analytics off.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_needed=()
[ -d /usr/share/fonts/truetype/liberation2 ] || apt_needed+=(fonts-liberation2)  # v1 has no Vietnamese glyphs
command -v git >/dev/null 2>&1 || apt_needed+=(git)
# OCR of scanned pages (extractors/ocr.py): Tesseract 5 with the Vietnamese model, and the
# English one it uses for lone numerals in short cells
command -v tesseract >/dev/null 2>&1 || apt_needed+=(tesseract-ocr)
[ -f /usr/share/tesseract-ocr/5/tessdata/vie.traineddata ] || apt_needed+=(tesseract-ocr-vie)
[ -f /usr/share/tesseract-ocr/5/tessdata/eng.traineddata ] || apt_needed+=(tesseract-ocr-eng)
command -v chromium >/dev/null 2>&1 || apt_needed+=(chromium)  # headless, for the review report's browser test
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || apt_needed+=(python3-venv)
if [ ${#apt_needed[@]} -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  echo "setup: apt-get install ${apt_needed[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${apt_needed[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ requirements.txt -nt "$stamp" ] || [ requirements.lock -nt "$stamp" ]; then
  echo "setup: installing pinned Python packages into .venv"
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip 2>/dev/null || true
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt -c requirements.lock 2>&1 \
    | grep -v -E "^WARNING: Location .* is ignored" || true
  .venv/bin/python -c "import pdfplumber, camelot, pypdfium2, pyarrow, underthesea, rapidfuzz, dvc, reportlab, hypothesis"
  touch "$stamp"
fi

export DVC_NO_ANALYTICS=1
.venv/bin/dvc config core.analytics false >/dev/null 2>&1 || true
echo "setup: ready (.venv)"
