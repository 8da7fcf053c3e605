#!/usr/bin/env bash
# Writes a one-page PDF with the text "Siegel test" to standard output:
# written out in full, cross-reference offsets counted, so the package
# test and the GUI smoke test need no PDF tool to make one.
set -euo pipefail
export LC_ALL=C # ${#s} counts bytes
objs=(
  "<< /Type /Catalog /Pages 2 0 R >>"
  "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
  "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
  "<< /Length 43 >>
stream
BT /F1 24 Tf 72 760 Td (Siegel test) Tj ET
endstream"
  "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
)
out="%PDF-1.7"$'\n'
offsets=()
for i in "${!objs[@]}"; do
  offsets+=("${#out}")
  out+="$((i + 1)) 0 obj"$'\n'"${objs[$i]}"$'\n'"endobj"$'\n'
done
xref=${#out}
out+="xref"$'\n'"0 $((${#objs[@]} + 1))"$'\n'"0000000000 65535 f "$'\n'
for o in "${offsets[@]}"; do
  out+="$(printf '%010d 00000 n ' "$o")"$'\n'
done
out+="trailer"$'\n'"<< /Size $((${#objs[@]} + 1)) /Root 1 0 R >>"$'\n'"startxref"$'\n'"$xref"$'\n'"%%EOF"$'\n'
printf '%s' "$out"
