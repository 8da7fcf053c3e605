#!/usr/bin/env bash
# Tests packaging/windows/sign.sh against a throwaway PKI made here with
# openssl: a test root CA, a code-signing certificate (extendedKeyUsage
# codeSigning) and a timestamping certificate (timeStamping). It signs a copy
# of the built Windows binary (dist/windows/siegel-cli.exe, or the file given
# as $1) and checks with `osslsigncode verify` that
#   - the signature and its RFC 3161 timestamp verify against the test CA,
#   - they do not verify against an unrelated CA,
#   - one byte changed after signing makes verification fail,
#   - the password never appears in what sign.sh prints,
#   - without a configured key sign.sh signs nothing and says so, and fails
#     with SIEGEL_SIGN_REQUIRED=1,
#   - a key in a PKCS#11 token (SoftHSM2) signs as well, when SoftHSM2 and
#     the OpenSSL pkcs11 engine are installed (skipped with a reason if not;
#     SIEGEL_STRICT=1 turns the skip into a failure, as in CI).
# Nothing under dist/ is modified.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
sign="$root/packaging/windows/sign.sh"
exe=${1:-$root/dist/windows/siegel-cli.exe}
[ -f "$exe" ] || { echo "sign-test: $exe is missing: run packaging/windows/build.sh first" >&2; exit 1; }
command -v osslsigncode >/dev/null || "$root/packaging/windows/deps.sh"

t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cd "$t"
fail() { echo "sign-test: FAIL: $*" >&2; exit 1; }
ok() { echo "sign-test: ok: $*"; }

# --- a test PKI ------------------------------------------------------------
q() { openssl "$@" 2>/dev/null; }
mkca() { # mkca NAME
  q req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days 30 \
    -subj "/CN=$1" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign"
}
mkleaf() { # mkleaf NAME EKU
  q req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$1/O=Siegel test"
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,%s\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' "$2" >"$1.ext"
  q x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -out "$1.pem" -extfile "$1.ext"
}
mkca ca
mkca other-ca
mkleaf signer codeSigning
mkleaf tsa timeStamping
# A random password, only ever in this file (mode 600).
umask 077
openssl rand -hex 16 >pass.txt
umask 022
q pkcs12 -export -inkey signer.key -in signer.pem -certfile ca.pem -out signer.p12 -passout file:pass.txt
secret=$(cat pass.txt)

# --- no key configured: nothing is signed ----------------------------------
cp "$exe" plain.exe
out=$(env -u SIEGEL_SIGN_PKCS12 -u SIEGEL_SIGN_PKCS11_KEY "$sign" plain.exe)
[[ $out == *"no code-signing key configured"* ]] || fail "sign.sh without a key said: $out"
cmp -s "$exe" plain.exe || fail "sign.sh without a key changed the file"
if env -u SIEGEL_SIGN_PKCS12 -u SIEGEL_SIGN_PKCS11_KEY SIEGEL_SIGN_REQUIRED=1 "$sign" plain.exe >/dev/null 2>&1; then
  fail "sign.sh with SIEGEL_SIGN_REQUIRED=1 and no key succeeded"
fi
if osslsigncode verify -CAfile ca.pem -in plain.exe >/dev/null 2>&1; then
  fail "an unsigned file verifies"
fi
ok "without a key: left unsigned, said so; SIEGEL_SIGN_REQUIRED=1 fails"

# --- PKCS#12 key, timestamped by a local TSA -------------------------------
cp "$exe" signed.exe
out=$(SIEGEL_SIGN_PKCS12=signer.p12 SIEGEL_SIGN_PASSWORD_FILE=pass.txt \
  SIEGEL_SIGN_TSA_CERTS=tsa.pem SIEGEL_SIGN_TSA_KEY=tsa.key \
  SIEGEL_SIGN_CAFILE=ca.pem SIEGEL_SIGN_TSA_CAFILE=ca.pem \
  "$sign" signed.exe 2>&1) || fail "sign.sh: $out"
[[ $out != *"$secret"* ]] || fail "sign.sh printed the password"
v=$(osslsigncode verify -CAfile ca.pem -TSA-CAfile ca.pem -in signed.exe 2>&1) || fail "osslsigncode verify: $v"
grep -q "Signature verification: ok" <<<"$v" || fail "no 'Signature verification: ok' in: $v"
grep -q "Timestamp Server Signature verification: ok" <<<"$v" || fail "no verified timestamp in: $v"
grep -q "Message digest algorithm *: SHA256" <<<"$v" || fail "not SHA-256: $v"
grep -q "CN=signer" <<<"$v" || fail "signer not named in: $v"
ok "PKCS#12: signed, SHA-256, timestamped; verifies against the test CA"

if osslsigncode verify -CAfile other-ca.pem -TSA-CAfile other-ca.pem -in signed.exe >/dev/null 2>&1; then
  fail "the signature verifies against an unrelated CA"
fi
ok "does not verify against an unrelated CA"

# Change one byte well inside the signed image (the code section), then
# verify again: the Authenticode digest must no longer match.
cp signed.exe tampered.exe
off=$(($(stat -c %s tampered.exe) / 3))
orig=$(od -An -tu1 -j "$off" -N1 tampered.exe | tr -d ' ')
printf '%b' "\\$(printf '%03o' $(((orig + 1) % 256)))" | dd of=tampered.exe bs=1 seek="$off" count=1 conv=notrunc status=none
cmp -s signed.exe tampered.exe && fail "the byte was not changed"
if v=$(osslsigncode verify -CAfile ca.pem -TSA-CAfile ca.pem -in tampered.exe 2>&1); then
  fail "a file changed after signing still verifies: $v"
fi
grep -qi "mismatch\|failed" <<<"$v" || fail "unexpected verify output for the changed file: $v"
ok "one byte changed after signing: verification fails"

# Signing again replaces the signature instead of nesting a second one.
out=$(SIEGEL_SIGN_PKCS12=signer.p12 SIEGEL_SIGN_PASSWORD_FILE=pass.txt SIEGEL_SIGN_CAFILE=ca.pem \
  "$sign" signed.exe 2>&1) || fail "re-signing: $out"
v=$(osslsigncode verify -CAfile ca.pem -in signed.exe 2>&1) || fail "re-signed file: $v"
[ "$(grep -c "^Signer's certificate:" <<<"$v" || true)" -le 1 ] || fail "re-signing nested signatures: $v"
ok "re-signing replaces the signature"

# --- PKCS#11 key in SoftHSM2 -----------------------------------------------
softhsm=""
for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so; do
  [ -f "$m" ] && softhsm=$m && break
done
engine=$(compgen -G '/usr/lib/*/engines-3/pkcs11.so' | head -n1 || true)
if [ -z "$softhsm" ] || [ -z "$engine" ] || ! command -v softhsm2-util >/dev/null || ! command -v pkcs11-tool >/dev/null; then
  msg="PKCS#11 signing not tested: needs softhsm2, opensc (pkcs11-tool) and libengine-pkcs11-openssl"
  [ "${SIEGEL_STRICT:-}" = 1 ] && fail "$msg"
  echo "sign-test: SKIP: $msg"
else
  mkdir tokens
  printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$t" >softhsm2.conf
  export SOFTHSM2_CONF=$t/softhsm2.conf
  pin=$(openssl rand -hex 8)
  softhsm2-util --init-token --free --label "siegel-codesign" --so-pin "$(openssl rand -hex 8)" --pin "$pin" >/dev/null
  q pkey -in signer.key -outform DER -out signer.der
  pkcs11-tool --module "$softhsm" --token-label siegel-codesign --login --pin "$pin" \
    --write-object signer.der --type privkey --id 01 --label codesign >/dev/null 2>&1 ||
    fail "could not put the key into SoftHSM2"
  umask 077
  printf '%s' "$pin" >pin.txt
  umask 022
  cat signer.pem ca.pem >chain.pem
  cp "$exe" p11.exe
  out=$(SIEGEL_SIGN_PKCS11_MODULE=$softhsm SIEGEL_SIGN_PKCS11_KEY="pkcs11:token=siegel-codesign;object=codesign;type=private" \
    SIEGEL_SIGN_CERTS=chain.pem SIEGEL_SIGN_PASSWORD_FILE=pin.txt SIEGEL_SIGN_CAFILE=ca.pem \
    "$sign" p11.exe 2>&1) || fail "sign.sh with PKCS#11: $out"
  [[ $out != *"$pin"* ]] || fail "sign.sh printed the PIN"
  v=$(osslsigncode verify -CAfile ca.pem -in p11.exe 2>&1) || fail "PKCS#11-signed file: $v"
  grep -q "Signature verification: ok" <<<"$v" || fail "PKCS#11: $v"
  if out=$(SIEGEL_SIGN_PKCS11_MODULE=$softhsm SIEGEL_SIGN_PKCS11_KEY="pkcs11:token=siegel-codesign;object=codesign;pin-value=$pin" \
    SIEGEL_SIGN_CERTS=chain.pem SIEGEL_SIGN_CAFILE=ca.pem "$sign" p11.exe 2>&1); then
    fail "sign.sh accepted a PIN inside the key URI"
  fi
  [[ $out == *"must not hold the PIN"* ]] || fail "a PIN in the key URI was refused for another reason: $out"
  ok "PKCS#11 (SoftHSM2): signed and verifies; a PIN in the URI is refused"
fi

echo "sign-test: all checks passed"
