#!/usr/bin/env bash
# Everything Windows that this Linux machine can make, in order:
#   1. build.sh      dist/windows/siegel.exe, siegel-cli.exe (icon, version info)
#   2. sign.sh       Authenticode-signs both, if a code-signing key is configured
#   3. installer.sh  dist/siegel-<version>-setup.exe (NSIS)
#   4. sign.sh       signs the installer
# See sign.sh for the SIEGEL_SIGN_* variables; without them the files are
# left unsigned and the script says so.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
start=$SECONDS
"$here/build.sh"
"$here/sign.sh" dist/windows/siegel.exe dist/windows/siegel-cli.exe
"$here/installer.sh"
. packaging/version.sh
setup="dist/siegel-$version-setup.exe"
"$here/sign.sh" "$setup"
(cd dist && sha256sum windows/siegel.exe windows/siegel-cli.exe "${setup#dist/}")
echo "windows/release.sh: done in $((SECONDS - start)) s"
