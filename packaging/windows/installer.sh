#!/usr/bin/env bash
# Builds the Windows installer dist/siegel-<version>-setup.exe with NSIS
# (makensis runs on Linux) from the binaries packaging/windows/build.sh left
# in dist/windows. Sign those binaries first (sign.sh), then the installer,
# so that both what is installed and what installs it carry a signature;
# release.sh does it in that order.
#
# Environment: VERSION (default: Version in FyneApp.toml), SRC (default
# dist/windows), OUT (default dist).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
here=packaging/windows
"$here/deps.sh"

. packaging/version.sh
src=${SRC:-dist/windows}
out=${OUT:-dist}
viversion=$(version_quad .)
for f in siegel.exe siegel-cli.exe siegel.ico; do
  [ -f "$src/$f" ] || { echo "windows/installer.sh: $src/$f is missing: run packaging/windows/build.sh first" >&2; exit 1; }
done

# The notices of everything linked into siegel.exe: Siegel's licence, Go's,
# every Go module's (read from the binary's build information, so exactly
# what was linked for Windows), what pdfium.wasm bundles, and the mingw-w64
# runtime that cgo links statically (its ZPL asks for the notice in binary
# distributions).
notices="$src/THIRD-PARTY-NOTICES.txt"
go run ./packaging/licenses/gencopyright -binary "$src/siegel.exe" -o "$notices"
{
  printf '\n%s\n' "----------------------------------------------------------------------"
  printf '%s\n\n' "The mingw-w64 runtime, linked statically (Debian's mingw-w64-x86-64-dev copyright file):"
  cat /usr/share/doc/mingw-w64-x86-64-dev/copyright
} >>"$notices"

mkdir -p "$out"
setup="$(realpath "$out")/siegel-$version-setup.exe"
makensis -V2 -INPUTCHARSET UTF8 \
  -DVERSION="$version" -DVIVERSION="$viversion" \
  -DSRCDIR="$(realpath "$src")" -DROOT="$root" -DOUTFILE="$setup" \
  "$here/siegel.nsi"
echo "windows/installer.sh: wrote $setup"
