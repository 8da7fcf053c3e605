#!/usr/bin/env bash
# Builds Siegel.app (universal: arm64 + x86_64) and a .dmg on a Mac; signs
# with the hardened runtime and notarises when an identity is configured.
# It only runs on macOS: Apple's SDK, codesign, notarytool and hdiutil exist
# nowhere else. See packaging/macos/README.md for each step and for what to
# check on a Mac afterwards.
#
#   packaging/macos/build.sh        → dist/macos/Siegel.app, dist/siegel-<version>-macos.dmg
#
# Environment:
#   VERSION, COMMIT            as for the other packages (default: FyneApp.toml, git)
#   SIEGEL_MAC_IDENTITY        codesign identity, e.g. "Developer ID Application: Name (TEAMID)";
#                              unset: the app is ad-hoc signed (runs here, not elsewhere)
#   SIEGEL_NOTARY_PROFILE      a notarytool keychain profile made once with
#                              `xcrun notarytool store-credentials`; unset: no notarisation
#   MACOSX_DEPLOYMENT_TARGET   oldest macOS to run on (default 11.0, the first with arm64)
set -euo pipefail

if [ "$(uname -s)" != Darwin ]; then
  cat >&2 <<'EOF'
macos/build.sh: this builds Siegel.app and must run on macOS: it needs
Apple's SDK (cgo for PC/SC, OpenGL and Cocoa), lipo, codesign, notarytool
and hdiutil, which do not exist on Linux. On a Mac with the Xcode command
line tools and Go installed, run packaging/macos/build.sh there; the steps
are described in packaging/macos/README.md.
EOF
  exit 2
fi

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
here=packaging/macos
fyne="go run fyne.io/tools/cmd/fyne@v1.7.4" # pinned; go run pkg@version leaves go.mod alone

for tool in go lipo codesign hdiutil /usr/libexec/PlistBuddy; do
  command -v "$tool" >/dev/null || { echo "macos/build.sh: $tool is missing (xcode-select --install; Go from go.dev)" >&2; exit 1; }
done
xcode-select -p >/dev/null || { echo "macos/build.sh: no Xcode command line tools (xcode-select --install)" >&2; exit 1; }

. packaging/version.sh
export MACOSX_DEPLOYMENT_TARGET=${MACOSX_DEPLOYMENT_TARGET:-11.0}
out=dist/macos
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$SECONDS

# 1. One binary per architecture, then a universal one.
x="-X github.com/siegel-app/siegel/app/cli.Version=$version -X github.com/siegel-app/siegel/app/cli.Commit=$commit"
for arch in arm64 amd64; do
  echo "building siegel for darwin/$arch ($version, commit $commit)"
  CGO_ENABLED=1 GOOS=darwin GOARCH=$arch \
    CGO_CFLAGS="-mmacosx-version-min=$MACOSX_DEPLOYMENT_TARGET" \
    CGO_LDFLAGS="-mmacosx-version-min=$MACOSX_DEPLOYMENT_TARGET" \
    go build -trimpath -ldflags "-s -w $x" -o "$work/siegel-$arch" .
done
lipo -create -output "$work/siegel" "$work/siegel-arm64" "$work/siegel-amd64"
lipo -info "$work/siegel"

# 2. The bundle, from the prebuilt binary. fyne package raises Build in
# FyneApp.toml after packaging; the release numbers are set here, so the
# file is put back as it was.
cp FyneApp.toml "$work/FyneApp.toml"
rm -rf "$out/Siegel.app" Siegel.app
$fyne package --os darwin --executable "$work/siegel" --name Siegel \
  --app-id app.siegel.Siegel --app-version "$version" --app-build "${build:-1}" \
  --icon assets/icon.png --release
cp "$work/FyneApp.toml" FyneApp.toml
mv Siegel.app "$out/Siegel.app"
app="$out/Siegel.app"
plist="$app/Contents/Info.plist"

# 3. What fyne's Info.plist lacks or gets wrong: PDFs in "Open With" (rank
# Alternate, so the default PDF viewer stays the user's), the oldest macOS
# (fyne writes 10.11), the category; then the licences.
pb() { /usr/libexec/PlistBuddy -c "$1" "$plist"; }
pb "Delete :CFBundleDocumentTypes" 2>/dev/null || true
pb "Add :CFBundleDocumentTypes array"
pb "Add :CFBundleDocumentTypes:0 dict"
pb "Add :CFBundleDocumentTypes:0:CFBundleTypeName string PDF document"
pb "Add :CFBundleDocumentTypes:0:CFBundleTypeRole string Viewer"
pb "Add :CFBundleDocumentTypes:0:LSHandlerRank string Alternate"
pb "Add :CFBundleDocumentTypes:0:LSItemContentTypes array"
pb "Add :CFBundleDocumentTypes:0:LSItemContentTypes:0 string com.adobe.pdf"
pb "Delete :LSMinimumSystemVersion" 2>/dev/null || true
pb "Add :LSMinimumSystemVersion string $MACOSX_DEPLOYMENT_TARGET"
# fyne v1.7.4 writes an empty category ("public.app-category.").
pb "Delete :LSApplicationCategoryType" 2>/dev/null || true
pb "Add :LSApplicationCategoryType string public.app-category.productivity"
pb "Delete :NSHumanReadableCopyright" 2>/dev/null || true
pb "Add :NSHumanReadableCopyright string Licensed under the Apache License 2.0"
plutil -lint "$plist"
mkdir -p "$app/Contents/Resources/licenses"
cp LICENSE "$app/Contents/Resources/LICENSE.txt"
cp packaging/licenses/*.txt packaging/licenses/README.md "$app/Contents/Resources/licenses/"
# Every linked Go module's licence, from the build information (the arm64
# and amd64 binaries link the same modules).
go run ./packaging/licenses/gencopyright -binary "$work/siegel-arm64" \
  -o "$app/Contents/Resources/THIRD-PARTY-NOTICES.txt"

# 4. Sign: the hardened runtime with the entitlements in entitlements.plist,
# a secure timestamp; ad hoc when no identity is configured.
identity=${SIEGEL_MAC_IDENTITY:--}
ts=(--timestamp)
[ "$identity" = - ] && ts=()
codesign --force "${ts[@]}" --options runtime \
  --entitlements "$here/entitlements.plist" --sign "$identity" "$app"
codesign --verify --strict --verbose=2 "$app"
codesign --display --entitlements - "$app"

# 5. The disk image: the app and a link to /Applications to drag it onto.
dmg="dist/siegel-$version-macos.dmg"
mkdir "$work/dmg"
cp -R "$app" "$work/dmg/"
ln -s /Applications "$work/dmg/Applications"
rm -f "$dmg"
hdiutil create -volname "Siegel $version" -srcfolder "$work/dmg" -fs HFS+ -format UDZO -ov "$dmg"
[ "$identity" = - ] || codesign --force --timestamp --sign "$identity" "$dmg"

# 6. Notarise the image (it covers the app inside) and staple the ticket to
# both, so Gatekeeper accepts them offline.
if [ -n "${SIEGEL_NOTARY_PROFILE:-}" ]; then
  [ "$identity" != - ] || { echo "macos/build.sh: notarisation needs SIEGEL_MAC_IDENTITY (a Developer ID)" >&2; exit 1; }
  xcrun notarytool submit "$dmg" --keychain-profile "$SIEGEL_NOTARY_PROFILE" --wait
  xcrun stapler staple "$dmg"
  xcrun stapler staple "$app"
  spctl --assess --type open --context context:primary-signature --verbose "$dmg"
  spctl --assess --type execute --verbose "$app"
else
  echo "macos/build.sh: SIEGEL_NOTARY_PROFILE not set: not notarised (Gatekeeper will refuse it on other Macs)"
fi

"$app/Contents/MacOS/siegel" --version
echo "macos/build.sh: $app and $dmg in $((SECONDS - start)) s"
