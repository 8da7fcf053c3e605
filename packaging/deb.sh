#!/usr/bin/env bash
# Builds dist/siegel_<version>-<build>_<arch>.deb: the release binary, the
# desktop entry, the icons, the man page and the copyright file with the
# licences of everything linked in. Depends are what dpkg-shlibdeps finds
# the binary linked against. Runs lintian when it is installed.
#
#   packaging/deb.sh [--binary FILE] [--no-lintian]
#
# --binary packages an already built binary instead of building one.
set -euo pipefail
cd "$(dirname "$0")/.."
. packaging/linux/common.sh

binary=""
lint=1
while (($#)); do
  case $1 in
    --binary) binary=$2; shift 2 ;;
    --no-lintian) lint=0; shift ;;
    *) echo "usage: packaging/deb.sh [--binary FILE] [--no-lintian]" >&2; exit 2 ;;
  esac
done
for tool in dpkg-deb dpkg-shlibdeps; do
  command -v "$tool" >/dev/null || { echo "deb.sh: $tool missing (apt-get install dpkg-dev)" >&2; exit 1; }
done

arch=$(dpkg --print-architecture)
debversion="$version-$build"
deb="dist/siegel_${debversion}_${arch}.deb"
if [ -z "$binary" ]; then
  binary="dist/linux-$goarch/siegel"
  echo "building $binary ($version, commit $commit)"
  build_binary "$binary"
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# The layout of a Debian source tree, which dpkg-shlibdeps expects.
root="$stage/src/debian/siegel"
mkdir -p "$root/DEBIAN"
install -Dm755 "$binary" "$root/usr/bin/siegel"
install -Dm644 packaging/linux/app.siegel.Siegel.desktop "$root/usr/share/applications/$app_id.desktop"
for f in assets/icons/siegel-*.png; do
  n=${f##*/siegel-}; n=${n%.png}
  install -Dm644 "$f" "$root/usr/share/icons/hicolor/${n}x${n}/apps/$app_id.png"
done
install -d "$root/usr/share/man/man1" "$root/usr/share/doc/siegel"
gzip -9n <packaging/linux/siegel.1 >"$root/usr/share/man/man1/siegel.1.gz"
install -Dm644 packaging/linux/lintian-overrides "$root/usr/share/lintian/overrides/siegel"
go run ./packaging/licenses/gencopyright -binary "$binary" -o "$root/usr/share/doc/siegel/copyright"
maintainer=${DEB_MAINTAINER:-"Siegel developers <packages@siegel.app>"}
{
  echo "siegel ($debversion) unstable; urgency=medium"
  echo
  echo "  * Release $version, build $build, from commit $commit."
  echo
  echo " -- $maintainer  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n >"$root/usr/share/doc/siegel/changelog.Debian.gz"

# Depends: the shared libraries the binary links (libc, GL, X11, PC/SC),
# as packages with versions, the way Debian's own builds find them.
printf 'Source: siegel\n\nPackage: siegel\nArchitecture: any\n' >"$stage/src/debian/control"
depends=$(cd "$stage/src" && dpkg-shlibdeps -O -edebian/siegel/usr/bin/siegel | sed -n 's/^shlibs:Depends=//p')
for lib in libc6 libgl1 libx11-6 libpcsclite1; do
  case ", $depends" in
    *", $lib "* | *", $lib,"* | *", $lib") ;;
    *) echo "deb.sh: dpkg-shlibdeps found no $lib in: $depends" >&2; exit 1 ;;
  esac
done

# GLFW (Fyne's window layer) loads these X libraries with dlopen, so
# dpkg-shlibdeps cannot see them; without them the window lacks cursor
# shapes, monitor sizes and scaling, and raw mouse input.
depends="$depends, libxcursor1, libxrandr2, libxinerama1, libxi6, libxxf86vm1, libxrender1"

(cd "$root" && find usr -type f -print0 | sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
cat >"$root/DEBIAN/control" <<EOF
Package: siegel
Version: $debversion
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $depends
Recommends: pcscd, opensc-pkcs11, ca-certificates
Suggests: opensc, pcsc-tools, gnome-keyring
Section: utils
Priority: optional
Homepage: https://github.com/siegel-app/siegel
Description: sign, seal and verify PDF documents
 Siegel puts PAdES signatures (baseline B-B to B-LTA) into PDF files with
 the key wherever it lives: a smart card or token (PKCS#11), a hardware
 security module, a PKCS#12 file or a remote trust service (CSC API). Its
 desktop window shows exactly what will be signed before any PIN is asked.
 .
 It verifies PDFs, detached CMS signatures and ASiC-E containers, with
 trust and qualified status from the EU trusted lists, and seals whole
 folders with an HSM key, resumably and with an audit log. The siegel
 command does all of this from the command line.
 .
 Smart cards need the PC/SC daemon (pcscd) and a PKCS#11 module such as
 OpenSC's (opensc-pkcs11).
EOF
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
mkdir -p dist
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "built $deb"
dpkg-deb --field "$deb" Package Version Depends Recommends

if ((lint)) && command -v lintian >/dev/null; then
  # What is accepted, and why, is in packaging/linux/lintian-overrides.
  lintian --fail-on error,warning "$deb"
fi
