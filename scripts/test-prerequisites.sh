#!/usr/bin/env bash
# What the test suite needs beside Python: a PostgreSQL server that answers, and Chromium for the
# browser tests. Starts or installs what is missing; quick when everything is already there.
# Arguments name further commands to install from Debian's package of the same name (make bench
# passes wrk, the HTTP load generator).
set -euo pipefail

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

postgres_answers() {
  pg_isready -h "${MEGAFONO_TEST_POSTGRES_HOST:-127.0.0.1}" -q
}

if ! postgres_answers; then
  echo "PostgreSQL is not answering; starting it."
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  for _ in $(seq 1 30); do postgres_answers && break; sleep 1; done
  postgres_answers || { echo "PostgreSQL did not start." >&2; exit 1; }
fi

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# OCR reads the Know Your Rights graphics back, to check they say what they should, in Spanish too.
command -v tesseract >/dev/null 2>&1 || missing+=(tesseract-ocr)
[ -e /usr/share/tesseract-ocr/5/tessdata/spa.traineddata ] || [ -e /usr/share/tesseract-ocr/4.00/tessdata/spa.traineddata ] \
  || missing+=(tesseract-ocr-spa)
# msgfmt --check is GNU gettext's own verdict on the catalogs.
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
# zbarimg scans the cards' QR codes, as a phone would.
command -v zbarimg >/dev/null 2>&1 || missing+=(zbar-tools)
for command in "$@"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("$command")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]}."
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
