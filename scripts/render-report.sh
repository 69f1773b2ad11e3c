#!/usr/bin/env bash
# Render report.xlsx the way a person sees it: LibreOffice (headless) converts
# the workbook to PDF, poppler's pdftoppm turns each page into a PNG.
#
# Usage: scripts/render-report.sh REPORT.xlsx OUT_DIR [DPI]
#   OUT_DIR receives report.pdf and page-1.png, page-2.png, ... (DPI default 60).
#
# Needs (Debian/Ubuntu):
#   sudo apt-get install -y libreoffice-calc-nogui poppler-utils fonts-noto-cjk
# (fonts-noto-cjk so Chinese headers render instead of boxes.)
set -euo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: $0 REPORT.xlsx OUT_DIR [DPI]" >&2
    exit 2
fi
xlsx=$1
out=$2
dpi=${3:-60}

if [[ ! -f $xlsx ]]; then
    echo "error: $xlsx: no such file" >&2
    exit 1
fi
soffice=$(command -v soffice || command -v libreoffice || true)
if [[ -z $soffice ]]; then
    echo "error: LibreOffice not found; install it with:" >&2
    echo "  sudo apt-get install -y libreoffice-calc-nogui fonts-noto-cjk" >&2
    exit 1
fi
if ! command -v pdftoppm >/dev/null; then
    echo "error: pdftoppm not found; install it with:" >&2
    echo "  sudo apt-get install -y poppler-utils" >&2
    exit 1
fi

mkdir -p "$out"
# A private LibreOffice profile: works alongside an open LibreOffice and in CI.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
stem=$(basename "${xlsx%.*}")
"$soffice" -env:UserInstallation="file://$profile" --headless \
    --convert-to pdf --outdir "$out" "$xlsx" >/dev/null
pdf="$out/$stem.pdf"
if [[ ! -s $pdf ]]; then
    echo "error: LibreOffice wrote no PDF for $xlsx" >&2
    exit 1
fi
pdftoppm -png -r "$dpi" "$pdf" "$out/page"
ls "$out"/page*.png
