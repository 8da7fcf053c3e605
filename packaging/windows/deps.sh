#!/usr/bin/env bash
# Installs what the Windows build needs on Debian or Ubuntu: the mingw-w64
# cross compiler and binutils (cgo, windres for the icon and version
# resource), NSIS for the installer, osslsigncode for Authenticode, icoutils
# (wrestool) and p7zip (lists the installer) for check.sh, ImageMagick for
# the .ico, and the OpenSSL PKCS#11 engine through which osslsigncode signs
# with a key on a token or HSM.
# Kept apart from packaging/deps.sh so an ordinary `make test` does not pay
# for them. Installs only what is missing.
set -euo pipefail

pkgs=(
  gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64
  nsis osslsigncode libengine-pkcs11-openssl icoutils p7zip-full imagemagick openssl
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A locally built ImageMagick (convert on the PATH) serves as well as the package.
if command -v convert >/dev/null 2>&1; then
  kept=()
  for p in "${missing[@]}"; do [ "$p" = imagemagick ] || kept+=("$p"); done
  missing=("${kept[@]}")
fi
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "installing: ${missing[*]}"
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
