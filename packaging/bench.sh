#!/usr/bin/env bash
# Signing benchmarks: documents/s for 1- and 100-page PDFs against
# digitorus/pdfsign with the same key, and time, floor time and peak RSS for
# a large PDF. Prints figures; the targets are in the signing issue.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/siegel" .
go run ./packaging/bench -siegel "$bin/siegel" "$@"
