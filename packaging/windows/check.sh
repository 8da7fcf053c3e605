#!/usr/bin/env bash
# Checks what build.sh and installer.sh made, without Windows:
#   - siegel.exe is a 64-bit GUI-subsystem program, siegel-cli.exe a console one;
#   - both carry the icon (16, 32, 48 and 256 px among its images), a
#     VERSIONINFO naming this version, and the manifest;
#   - both import only DLLs that every Windows has (no mingw runtime DLL
#     that would be missing on a user's machine);
#   - the installer is an NSIS installer with this version that holds both
#     programs, the licence, the third-party notices and an uninstaller;
#   - and says whether each file carries an Authenticode signature.
# Environment: VERSION (default: FyneApp.toml), SRC (dist/windows), OUT (dist).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
"$root/packaging/windows/deps.sh"
. packaging/version.sh
src=${SRC:-dist/windows}
setup=${OUT:-dist}/siegel-$version-setup.exe
fail() { echo "windows/check.sh: FAIL: $*" >&2; exit 1; }
ok() { echo "windows/check.sh: ok: $*"; }

# versionstrings FILE: the strings of its VERSIONINFO, one a line.
versionstrings() {
  wrestool -x --raw --type=16 "$1" | iconv -f UTF-16LE -t UTF-8 -c | tr -c '[:print:]' '\n' | sed '/^.\{0,1\}$/d'
}
# Windows' own DLLs, which a program may import.
system_dlls='^(kernel32|user32|gdi32|shell32|opengl32|msvcrt|advapi32|ws2_32|winmm|ole32|oleaut32|crypt32|winscard|dwmapi|imm32|comdlg32|shlwapi|version|ntdll|bcrypt|secur32|iphlpapi|userenv|setupapi|uxtheme)\.dll$'

for f in siegel.exe:2 siegel-cli.exe:3; do
  exe=$src/${f%:*}
  want=${f#*:}
  [ -f "$exe" ] || fail "$exe is missing: run packaging/windows/build.sh"
  p=$(x86_64-w64-mingw32-objdump -p "$exe")
  grep -q "^Magic.*020b" <<<"$p" || fail "$exe is not PE32+ (64-bit)"
  grep -Eq "^Subsystem[[:space:]]+0000000$want" <<<"$p" || fail "$exe: subsystem is not $want ($( [ "$want" = 2 ] && echo GUI || echo console))"
  bad=$(sed -n 's/^[[:space:]]*DLL Name: //p' <<<"$p" | tr '[:upper:]' '[:lower:]' | grep -Ev "$system_dlls" || true)
  [ -z "$bad" ] || fail "$exe imports DLLs Windows does not have: $bad"
  res=$(wrestool -l "$exe")
  grep -q "type=group_icon" <<<"$res" || fail "$exe has no icon"
  grep -q -- "--type=24" <<<"$res" || fail "$exe has no manifest"
  tmp=$(mktemp --suffix=.ico)
  wrestool -x --type=14 "$exe" -o "$tmp"
  sizes=$(identify -format '%w ' "$tmp")
  rm -f "$tmp"
  for s in 16 32 48 256; do
    [[ " $sizes" == *" $s "* ]] || fail "$exe: icon has no ${s}px image (has: $sizes)"
  done
  vs=$(versionstrings "$exe")
  grep -qx "$version" <<<"$vs" || fail "$exe: FileVersion is not $version: $(tr "\n" " " <<<"$vs")"
  grep -q "^$version (commit " <<<"$vs" || fail "$exe: ProductVersion does not name $version and a commit"
  grep -qx "${f%:*}" <<<"$vs" || fail "$exe: OriginalFilename is not ${f%:*}"
  ok "$exe: PE32+, subsystem $want, system DLLs only, icon ($sizes), version $version, manifest"
done

[ -f "$setup" ] || fail "$setup is missing: run packaging/windows/installer.sh"
file "$setup" | grep -q "Nullsoft Installer" || fail "$setup is not an NSIS installer"
versionstrings "$setup" | grep -qx "$version" || fail "$setup: version is not $version"
list=$(7z l "$setup")
# 7-Zip names the uninstaller stub uninstall.exe or, in a signed
# installer, uninstall.exe.nsis.
for f in 'siegel\.exe' 'siegel-cli\.exe' 'LICENSE\.txt' 'THIRD-PARTY-NOTICES\.txt' 'uninstall\.exe(\.nsis)?' 'licenses/pdfium\.txt'; do
  grep -Eq " $f\$" <<<"$list" || fail "$setup does not hold $f"
done
ok "$setup: NSIS, version $version, holds both programs, licence, notices, uninstaller"

sig=$(mktemp -d)
trap 'rm -rf "$sig"' EXIT
for f in "$src/siegel.exe" "$src/siegel-cli.exe" "$setup"; do
  rm -f "$sig/sig" # osslsigncode does not overwrite
  if osslsigncode extract-signature -in "$f" -out "$sig/sig" >/dev/null 2>&1; then
    echo "windows/check.sh: $f: Authenticode-signed"
  else
    echo "windows/check.sh: $f: not signed"
  fi
done
