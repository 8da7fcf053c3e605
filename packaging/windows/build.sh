#!/usr/bin/env bash
# Cross-compiles Siegel for 64-bit Windows on Linux with mingw-w64:
#
#   dist/windows/siegel.exe      the desktop app, GUI subsystem (-H=windowsgui):
#                                no console window flashes up when it starts
#   dist/windows/siegel-cli.exe  the same program as a console binary, for the
#                                command line: a GUI-subsystem program has no
#                                stdout/stdin a terminal waits for, so
#                                "siegel.exe verify x.pdf" would print nothing
#                                and could not ask for a PIN
#
# Both carry the application icon (16-256 px), a VERSIONINFO resource and a
# manifest (per-monitor DPI awareness), linked in as a COFF resource object
# that windres makes.
#
# Environment: VERSION (default: Version in FyneApp.toml), COMMIT (default:
# git HEAD, "-dirty" when tracked files differ), OUT (default dist/windows).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
here=packaging/windows

"$here/deps.sh"

. packaging/version.sh
out=${OUT:-dist/windows}
# VERSIONINFO wants four 16-bit numbers; the fourth is FyneApp.toml's Build.
numeric=$(version_quad ,)

mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The icon: the hand-tuned small sizes from assets/icons (the full drawing
# turns to mush below 32 px), else scaled down from assets/icon.png.
icons=()
for s in 16 24 32 48 64 256; do
  if [ -f "assets/icons/siegel-$s.png" ]; then
    icons+=("assets/icons/siegel-$s.png")
  else
    convert assets/icon.png -resize "${s}x$s" "$work/icon-$s.png"
    icons+=("$work/icon-$s.png")
  fi
done
convert "${icons[@]}" "$work/siegel.ico"
cp "$work/siegel.ico" "$out/siegel.ico" # the installer uses it too

rc_for() { # rc_for FILENAME DESCRIPTION
  local flags=0
  [[ $version == *-* ]] && flags=0x2L # VS_FF_PRERELEASE
  cat <<EOF
#include <winver.h>
1 ICON "siegel.ico"
1 24 "siegel.exe.manifest"
1 VERSIONINFO
FILEVERSION $numeric
PRODUCTVERSION $numeric
FILEFLAGSMASK 0x3fL
FILEFLAGS $flags
FILEOS VOS_NT_WINDOWS32
FILETYPE VFT_APP
FILESUBTYPE VFT2_UNKNOWN
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040904B0"
    BEGIN
      VALUE "CompanyName", "Siegel"
      VALUE "FileDescription", "$2"
      VALUE "FileVersion", "$version"
      VALUE "InternalName", "siegel"
      VALUE "LegalCopyright", "Licensed under the Apache License 2.0"
      VALUE "OriginalFilename", "$1"
      VALUE "ProductName", "Siegel"
      VALUE "ProductVersion", "$version (commit $commit)"
      VALUE "Comments", "https://github.com/siegel-app/siegel"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x409, 1200
  END
END
EOF
}

export CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc CXX=x86_64-w64-mingw32-g++
x="-X github.com/siegel-app/siegel/app/cli.Version=$version -X github.com/siegel-app/siegel/app/cli.Commit=$commit"

build() { # build EXE DESCRIPTION EXTRA-LDFLAGS
  local exe=$1
  cp "$here/siegel.exe.manifest" "$work/"
  rc_for "$exe" "$2" >"$work/$exe.rc"
  x86_64-w64-mingw32-windres --input-format=rc --output-format=coff \
    -I "$work" -i "$work/$exe.rc" -o "$work/$exe.syso"
  # The resource object goes to the external linker (mingw-w64 ld merges its
  # .rsrc section), so nothing is written into the source tree, as a .syso
  # next to main.go would need.
  echo "building $out/$exe ($version, commit $commit)"
  go build -trimpath \
    -ldflags "-s -w $x $3 -linkmode=external -extldflags=$work/$exe.syso" -o "$out/$exe" .
}

start=$SECONDS
build siegel.exe "Siegel - sign, seal and verify PDF documents" "-H=windowsgui"
build siegel-cli.exe "Siegel command line" ""
echo "windows/build.sh: done in $((SECONDS - start)) s"
