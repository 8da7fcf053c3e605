#!/usr/bin/env bash
# Installs what Siegel needs to build, run and be tested on Debian or Ubuntu.
# Installs only what is missing, so it is cheap to run again.
set -euo pipefail

pkgs=(
  gcc pkg-config make                      # cgo (PKCS#11, PC/SC)
  libpcsclite-dev pcscd pcsc-tools         # smart card readers, ATR list
  vsmartcard-vpcd                          # virtual reader for tests
  opensc opensc-pkcs11 softhsm2 p11-kit    # PKCS#11 modules: cards, test HSM
  openssl poppler-utils qpdf xmlsec1       # independent judges in tests
  libgl1-mesa-dev xorg-dev                 # Fyne (the desktop app) builds with cgo
  xvfb dbus-daemon imagemagick             # GUI smoke test: headless X, D-Bus, screenshots
  gnome-keyring                            # a real Secret Service for app/secrets tests
  dpkg-dev xz-utils lintian man-db         # Linux packages: .deb (shlibdeps, checks), tar.xz, man page
  desktop-file-utils                       # desktop entry check
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ! command -v go >/dev/null 2>&1; then
  # Debian's Go is older than go.mod asks for; with GOTOOLCHAIN=auto (the
  # default) it fetches the right toolchain from the Go module proxy.
  missing+=(golang-go)
fi
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
