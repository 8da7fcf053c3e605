#!/usr/bin/env bash
# Installs Siegel's .deb on this machine with apt, checks what it installed
# and that the installed binary signs and verifies, then removes it again.
# Any failed step fails the script (exit 1) with a line saying which.
#
#   packaging/deb-test.sh [dist/siegel_VERSION_ARCH.deb]
#
# Without an argument it builds the package first (packaging/deb.sh).
# Needs root (or sudo), apt, and for the signing check pdfsig and openssl
# (packaging/deps.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "deb-test: FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo

deb=${1:-}
if [ -z "$deb" ]; then
  bash packaging/deb.sh
  arch=$(dpkg --print-architecture)
  deb=$(ls -t dist/siegel_*_"$arch".deb | head -n1)
fi
[ -f "$deb" ] || fail "no package $deb"
deb=$(realpath "$deb")
version=$(dpkg-deb --field "$deb" Version)
upstream=${version%-*}
for tool in pdfsig openssl; do
  command -v "$tool" >/dev/null || fail "$tool missing (packaging/deps.sh installs it)"
done

if dpkg-query -W -f='${Status}' siegel 2>/dev/null | grep -q "install ok installed"; then
  fail "siegel is installed already; remove it first (apt-get remove siegel)"
fi
[ ! -e /usr/bin/siegel ] || fail "/usr/bin/siegel exists but belongs to no siegel package; not overwriting it"

work=$(mktemp -d)
installed=0
cleanup() {
  # A failed check must not leave the package behind.
  if ((installed)); then
    DEBIAN_FRONTEND=noninteractive $sudo apt-get remove -y -qq siegel >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

step "apt-get install $deb"
if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y "$deb" 2>&1 | tee "$work/apt.log"; then
  fail "apt-get install failed"
fi
installed=1
dpkg-query -W -f='${Status}' siegel | grep -q "install ok installed" || fail "dpkg does not list siegel as installed"
dpkg -s siegel | grep -E '^(Package|Status|Version|Depends|Recommends):'

step "every Depends is installed in a version that satisfies it"
# apt installed siegel only if it could satisfy these; check each one
# against dpkg's database, versions included, and that nothing is broken.
IFS=',' read -ra deps <<<"$(dpkg-query -W -f='${Depends}' siegel)"
((${#deps[@]} >= 5)) || fail "Depends lists only ${#deps[@]} packages"
for dep in "${deps[@]}"; do
  ok=0
  IFS='|' read -ra alts <<<"$dep"
  for alt in "${alts[@]}"; do
    alt=$(echo "$alt" | xargs)
    name=${alt%% *}
    have=$(dpkg-query -W -f='${Status}|${Version}' "$name" 2>/dev/null || true)
    [[ $have == "install ok installed|"* ]] || continue
    if [[ $alt == *"("* ]]; then
      op=$(echo "$alt" | sed -n 's/.*(\([<>=]*\) *\([^)]*\)).*/\1/p')
      want=$(echo "$alt" | sed -n 's/.*(\([<>=]*\) *\([^)]*\)).*/\2/p')
      case $op in ">=") op=ge ;; "<=") op=le ;; "=") op=eq ;; ">>") op=gt ;; "<<") op=lt ;; esac
      dpkg --compare-versions "${have#*|}" "$op" "$want" || continue
    fi
    echo "  $alt: ${have#*|}"
    ok=1
    break
  done
  ((ok)) || fail "dependency not satisfied: $dep"
done
$sudo apt-get check -qq || fail "apt-get check reports broken dependencies"
# apt holds siegel to them: taking one away (simulated) would remove siegel.
for lib in libpcsclite1 libxcursor1; do
  apt-get -s remove "$lib" 2>/dev/null | grep -q '^Remv siegel ' ||
    fail "apt would remove $lib without removing siegel: the dependency is not recorded"
  echo "  apt-get -s remove $lib also removes siegel"
done

step "siegel --version"
[ "$(command -v siegel)" = /usr/bin/siegel ] || fail "siegel on PATH is $(command -v siegel), not /usr/bin/siegel"
out=$(cd "$work" && siegel --version) || fail "siegel --version exited $?"
echo "$out"
first=$(echo "$out" | head -n1)
[[ $first == "siegel $upstream (commit "* ]] || fail "version line does not name version $upstream: $first"
[[ $first =~ \(commit\ [0-9a-f]{7,40}(-dirty)?, ]] || fail "version line has no commit: $first"
echo "$out" | grep -q "fyne.io/fyne/v2 v" || fail "library versions missing from siegel --version"

step "sign with the demo key and verify"
bash packaging/testpdf.sh >"$work/in.pdf"
(cd "$work" && HOME="$work" siegel sign --key demo: --reason "deb-test" in.pdf signed.pdf) ||
  fail "siegel sign exited $?"
# Untrusted (self-signed demo certificate): INDETERMINATE, exit 2.
set +e
(cd "$work" && HOME="$work" siegel verify signed.pdf >verify.txt)
code=$?
set -e
cat "$work/verify.txt"
[ "$code" -eq 2 ] || fail "siegel verify of an untrusted signature exited $code, want 2 (INDETERMINATE)"
grep -q "NO_CERTIFICATE_CHAIN_FOUND" "$work/verify.txt" || fail "verify did not say why it is indeterminate"
# Trusting the demo certificate (taken from the signature by pdfsig and
# openssl, independently of Siegel): TOTAL-PASSED, exit 0.
(cd "$work" && pdfsig -dump signed.pdf >/dev/null && openssl pkcs7 -inform DER -in signed.pdf.sig0 -print_certs -out demo.pem) ||
  fail "could not extract the signer certificate with pdfsig and openssl"
(cd "$work" && HOME="$work" siegel verify --json --trust demo.pem signed.pdf >verify.json) ||
  fail "siegel verify --trust exited $?, want 0 (TOTAL-PASSED)"
grep -q '"indication": "TOTAL-PASSED"' "$work/verify.json" || fail "verify --json does not say TOTAL-PASSED"
grep -q '"intact": true' "$work/verify.json" || fail "verify --json does not say intact"
echo "trusted: TOTAL-PASSED, exit 0"
# One changed byte in the signed content: TOTAL-FAILED, exit 1.
LC_ALL=C sed 's/(Siegel test)/(Siegel tesT)/' "$work/signed.pdf" >"$work/tampered.pdf"
cmp -s "$work/signed.pdf" "$work/tampered.pdf" && fail "could not tamper with the signed PDF"
set +e
(cd "$work" && HOME="$work" siegel verify --trust demo.pem tampered.pdf >/dev/null)
code=$?
set -e
[ "$code" -eq 1 ] || fail "siegel verify of a tampered file exited $code, want 1 (TOTAL-FAILED)"
echo "tampered: TOTAL-FAILED, exit 1"

step "desktop entry, icons, man page, copyright"
desktop=/usr/share/applications/app.siegel.Siegel.desktop
[ -f "$desktop" ] || fail "$desktop not installed"
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate "$desktop" || fail "$desktop does not validate"
fi
grep -q '^MimeType=.*application/pdf;' "$desktop" || fail "$desktop does not open PDFs"
for n in 16 24 32 48 64 128 256 512; do
  icon=/usr/share/icons/hicolor/${n}x$n/apps/app.siegel.Siegel.png
  [ -f "$icon" ] || fail "$icon not installed"
done
man=$(man -w siegel 2>/dev/null) || fail "man -w siegel finds no man page"
[ "$man" = /usr/share/man/man1/siegel.1.gz ] || fail "man page at $man, want /usr/share/man/man1/siegel.1.gz"
zcat "$man" | grep -q '^\.SH "EXIT STATUS"' || fail "man page has no EXIT STATUS section"
copyright=/usr/share/doc/siegel/copyright
[ -f "$copyright" ] || fail "$copyright not installed"
for want in "Files: \*" "License: Apache-2.0" "Files: fyne.io/fyne/v2/\*" "Files: pdfium.wasm/pdfium/\*" "Files: pdfium.wasm/emscripten/\*"; do
  grep -q "^$want" "$copyright" || fail "$copyright lacks '$want'"
done
echo "ok: $desktop, 8 icons, $man, $copyright"

step "apt-get remove siegel"
DEBIAN_FRONTEND=noninteractive $sudo apt-get remove -y siegel || fail "apt-get remove failed"
installed=0
[ ! -e /usr/bin/siegel ] || fail "/usr/bin/siegel still there after remove"
[ ! -e "$desktop" ] || fail "$desktop still there after remove"
if dpkg-query -W -f='${Status}' siegel 2>/dev/null | grep -q "install ok installed"; then
  fail "dpkg still lists siegel as installed"
fi
echo "deb-test: PASS ($deb)"
