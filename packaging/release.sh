#!/usr/bin/env bash
# `make release`: every package this Linux machine can build, into dist/:
#   - the Linux release binary, once (dist/linux-ARCH/siegel);
#   - the .deb (packaging/deb.sh) and the `fyne package -os linux` archive
#     (packaging/linux/archive.sh), both from that binary;
#   - the Windows programs and installer, Authenticode-signed when a
#     code-signing key is configured (packaging/windows/release.sh; see
#     packaging/windows/sign.sh for SIEGEL_SIGN_*), then checked
#     (packaging/windows/check.sh).
# macOS cannot be built here: packaging/macos/README.md has the recipe.
# Set RELEASE_WINDOWS=0 to skip Windows (its first cross-build is slow).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
. packaging/linux/common.sh
bin="dist/linux-$goarch/siegel"
echo "== Linux binary $bin ($version, commit $commit)"
build_binary "$bin"
echo "== .deb"
bash packaging/deb.sh --binary "$bin"
echo "== fyne package -os linux"
bash packaging/linux/archive.sh --binary "$bin"
if [ "${RELEASE_WINDOWS:-1}" != 0 ]; then
  echo "== Windows"
  bash packaging/windows/deps.sh
  bash packaging/windows/release.sh
  bash packaging/windows/check.sh
fi
echo "== dist/"
(cd dist && find . -maxdepth 2 -type f \( -name '*.deb' -o -name '*.tar.xz' -o -name '*.exe' -o -name siegel \) -printf '%P\n' | sort | xargs sha256sum)
echo "release.sh: done in $((SECONDS - start)) s; macOS: see packaging/macos/README.md"
