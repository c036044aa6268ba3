#!/usr/bin/env bash
# What the test suite needs beside Python: a PostgreSQL server that answers, and Chromium for the
# browser tests. Starts or installs what is missing; quick when everything is already there.
set -euo pipefail
source "$(dirname "$0")/prerequisites.sh"

start_postgres

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
install_packages "the tests" "${missing[@]}"
