#!/usr/bin/env bash
# GUI smoke test: builds siegel, starts it under Xvfb and a D-Bus session
# with a PDF argument, takes screenshots until the document's page shows
# (a white page on the dark window), then ends the app. Needs Xvfb, dbus-run-session
# and imagemagick (import, convert); Fyne needs libgl1-mesa-dev xorg-dev
# to build.
#   SMOKE_DIR  where the binary, the PDF and shot.png go (default: a
#              temporary folder, kept and printed)
#   SMOKE_WAIT seconds to wait for the rendered page (default 60: PDFium's
#              first load compiles for several seconds)
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in Xvfb dbus-run-session import convert; do
  command -v "$tool" >/dev/null || { echo "gui-smoke: $tool missing" >&2; exit 1; }
done
dir=${SMOKE_DIR:-$(mktemp -d)}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

echo "== build"
go build -o "$dir/siegel" .

# A one-page PDF with a line of text.
pdf="$dir/smoke.pdf"
bash packaging/testpdf.sh >"$pdf"

# A free display number.
n=99
while [ -e "/tmp/.X$n-lock" ]; do n=$((n + 1)); done
Xvfb ":$n" -screen 0 1280x800x24 -nolisten tcp >"$dir/xvfb.log" 2>&1 &
xvfb=$!
trap 'kill "$xvfb" 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$n" ] && break; sleep 0.1; done

echo "== run"
export DISPLAY=":$n" SIEGEL_SETTINGS="$dir/settings.json" XDG_CONFIG_HOME="$dir/config"
export SMOKE_WAIT=${SMOKE_WAIT:-60} SMOKE_BIN="$dir/siegel" SMOKE_PDF="$pdf" SMOKE_SHOT="$dir/shot.png"
# Everything runs inside one D-Bus session so the app never lacks a bus.
dbus-run-session -- bash -c '
  "$SMOKE_BIN" "$SMOKE_PDF" >"${SMOKE_SHOT%.png}.log" 2>&1 &
  app=$!
  start=$SECONDS
  white=0
  # The document is shown when its rendered page, a white area, covers a
  # good part of the screen: the window alone is dark (the theme) with a
  # "Preview not available" text. PDFium loads in the background (seconds
  # on a first start), so poll.
  while [ $((SECONDS - start)) -lt "$SMOKE_WAIT" ]; do
    sleep 1
    kill -0 "$app" 2>/dev/null || { echo "gui-smoke: siegel exited early" >&2; cat "${SMOKE_SHOT%.png}.log" >&2; exit 1; }
    import -window root "$SMOKE_SHOT"
    white=$(convert "$SMOKE_SHOT" -fill black +opaque white -format "%[fx:int(mean*1000)]" info:)
    [ "$white" -gt 50 ] && break
  done
  colours=$(convert "$SMOKE_SHOT" -format %k info:)
  kill "$app"
  wait "$app" || true
  echo "screenshot $SMOKE_SHOT: $colours colours, $white per mille of it the white page, after $((SECONDS - start)) s"
  [ "$white" -gt 50 ] || { echo "gui-smoke: the document page was not rendered" >&2; exit 1; }
'
echo "gui smoke passed"
