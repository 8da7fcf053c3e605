#!/usr/bin/env bash
# Builds dist/siegel_<version>_linux_<arch>.tar.xz with `fyne package -os
# linux` (fyne.io/tools, pinned): the binary, the icon and a desktop entry
# under usr/local, and a Makefile whose `make install` / `make
# user-install` puts them in place. Siegel's own desktop entry (actions,
# German and Slovenian names), the man page and the copyright file are
# added to what fyne packs.
#
#   packaging/linux/archive.sh [--binary FILE]
set -euo pipefail
cd "$(dirname "$0")/../.."
. packaging/linux/common.sh

fyne_tool=fyne.io/tools/cmd/fyne@v1.7.4
export XZ_OPT=${XZ_OPT:--T0} # fyne's tar and ours: xz on every core
binary=""
while (($#)); do
  case $1 in
    --binary) binary=$2; shift 2 ;;
    *) echo "usage: packaging/linux/archive.sh [--binary FILE]" >&2; exit 2 ;;
  esac
done
if [ -z "$binary" ]; then
  binary="dist/linux-$goarch/siegel"
  echo "building $binary ($version, commit $commit)"
  build_binary "$binary"
fi
binary=$(realpath "$binary")
out="$PWD/dist/siegel_${version}_linux_${goarch}.tar.xz"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# fyne package raises Build in the FyneApp.toml it reads and writes the
# file back, so it reads a copy; it wants Go code beside it, even with
# --executable.
mkdir -p "$work/src/assets" "$work/out" "$work/bin"
cp FyneApp.toml "$work/src/"
cp assets/icon.png "$work/src/assets/"
printf 'package main\n\nfunc main() {}\n' >"$work/src/main.go"
cp "$binary" "$work/bin/siegel"
(cd "$work/out" && go run "$fyne_tool" package -os linux --src "$work/src" --executable "$work/bin/siegel")

# fyne names the archive after the app and packs one folder, siegel/.
tar -C "$work" -xJf "$work/out/Siegel.tar.xz"
pkg="$work/siegel"
prefix=$(cd "$pkg" && ls -d usr/local 2>/dev/null || echo usr)
desktop="$pkg/$prefix/share/applications/$app_id.desktop"
[ -f "$desktop" ] || { echo "archive.sh: fyne packed no $desktop" >&2; exit 1; }
cp packaging/linux/app.siegel.Siegel.desktop "$desktop"
install -Dm644 packaging/linux/siegel.1 "$pkg/$prefix/share/man/man1/siegel.1"
go run ./packaging/licenses/gencopyright -binary "$binary" -o "$work/copyright"
install -Dm644 "$work/copyright" "$pkg/$prefix/share/doc/siegel/copyright"
# Let fyne's Makefile install them too (make install; its user-install
# target stays as fyne wrote it).
awk -v p="$prefix" '
  { print }
  /^install:/ {
    print "\tinstall -Dm00644 " p "/share/man/man1/siegel.1 $(DESTDIR)$(PREFIX)/share/man/man1/siegel.1"
    print "\tinstall -Dm00644 " p "/share/doc/siegel/copyright $(DESTDIR)$(PREFIX)/share/doc/siegel/copyright"
  }
  /^uninstall:/ {
    print "\t-rm $(DESTDIR)$(PREFIX)/share/man/man1/siegel.1"
    print "\t-rm -r $(DESTDIR)$(PREFIX)/share/doc/siegel"
  }' "$pkg/Makefile" >"$work/Makefile"
cp "$work/Makefile" "$pkg/Makefile"
find "$pkg" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
mkdir -p dist
tar -C "$work" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" -cJf "$out" siegel
echo "built ${out#"$PWD/"}"
