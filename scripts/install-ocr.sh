#!/usr/bin/env bash
# Tesseract OCR for scanned PDF pages (Debian packages tesseract-ocr + tesseract-ocr-eng; add
# tesseract-ocr-<lang> for IngestConfig.ocr_languages). Idempotent: returns at once when tesseract
# and its English data are there. Installs with apt-get when run as root or with password-less sudo;
# otherwise prints the command and exits 3 (scripts/setup.sh carries on: scanned pages are then
# quarantined as needs_ocr, everything else is ingested). Nothing is downloaded at run time.
set -euo pipefail
packages="tesseract-ocr tesseract-ocr-eng"
if command -v tesseract >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx eng; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "install-ocr: no apt-get here; install Tesseract 5 with English data yourself" \
    "(e.g. 'brew install tesseract', 'dnf install tesseract tesseract-langpack-eng')." >&2
  exit 3
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
  else
    echo "install-ocr: not root and no password-less sudo; to read scanned PDFs run:" >&2
    echo "  sudo apt-get install -y --no-install-recommends $packages" >&2
    exit 3
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $packages >/dev/null
tesseract --version | head -n1
