#!/usr/bin/env bash
# Signs Windows executables (Authenticode, SHA-256) in place with
# osslsigncode, when a code-signing key is configured; otherwise it says so
# and leaves them unsigned (exit 0), unless SIEGEL_SIGN_REQUIRED=1.
#
#   packaging/windows/sign.sh dist/windows/siegel.exe dist/windows/siegel-cli.exe
#
# The key, from the environment (one of the two):
#   SIEGEL_SIGN_PKCS12         a PKCS#12 file with the key and its certificate chain
#   SIEGEL_SIGN_PKCS11_KEY     an RFC 7512 URI of a key on a token or HSM, with
#     SIEGEL_SIGN_PKCS11_MODULE  the PKCS#11 module and
#     SIEGEL_SIGN_CERTS          a PEM file with the certificate and its chain
#                                (osslsigncode uses the OpenSSL pkcs11 engine, libp11)
#   SIEGEL_SIGN_PASSWORD_FILE  a file holding the PKCS#12 password or the token PIN.
#                              Only the file name is passed on: the secret is
#                              never on a command line, in the environment or
#                              in a log.
# Optional:
#   SIEGEL_SIGN_TIMESTAMP_URL  RFC 3161 timestamp authorities (space-separated),
#                              so signatures outlive the certificate
#   SIEGEL_SIGN_TSA_CERTS, SIEGEL_SIGN_TSA_KEY
#                              a local TSA certificate and key that stamp
#                              without a network (used by sign-test.sh)
#   SIEGEL_SIGN_CAFILE         CA bundle the result is verified against
#                              (default: the system's)
#   SIEGEL_SIGN_TSA_CAFILE     CA bundle for the timestamp's TSA
#   SIEGEL_SIGN_REQUIRED=1     fail instead of skipping when no key is configured
set -euo pipefail

me=windows/sign.sh
if (($# == 0)); then
  echo "usage: $me FILE.exe..." >&2
  exit 2
fi

if [ -z "${SIEGEL_SIGN_PKCS12:-}" ] && [ -z "${SIEGEL_SIGN_PKCS11_KEY:-}" ]; then
  if [ "${SIEGEL_SIGN_REQUIRED:-}" = 1 ]; then
    echo "$me: SIEGEL_SIGN_REQUIRED=1 but no code-signing key is configured (SIEGEL_SIGN_PKCS12 or SIEGEL_SIGN_PKCS11_KEY)" >&2
    exit 1
  fi
  echo "$me: no code-signing key configured (SIEGEL_SIGN_PKCS12 or SIEGEL_SIGN_PKCS11_KEY); left unsigned: $*"
  exit 0
fi

command -v osslsigncode >/dev/null || "$(dirname "$0")/deps.sh"

args=(sign -h sha256 -n "Siegel" -i "https://github.com/siegel-app/siegel")
if [ -n "${SIEGEL_SIGN_PKCS12:-}" ]; then
  [ -r "$SIEGEL_SIGN_PKCS12" ] || { echo "$me: cannot read $SIEGEL_SIGN_PKCS12 (SIEGEL_SIGN_PKCS12)" >&2; exit 1; }
  args+=(-pkcs12 "$SIEGEL_SIGN_PKCS12")
else
  for v in SIEGEL_SIGN_PKCS11_MODULE SIEGEL_SIGN_CERTS; do
    [ -n "${!v:-}" ] || { echo "$me: SIEGEL_SIGN_PKCS11_KEY needs $v too" >&2; exit 1; }
  done
  case $SIEGEL_SIGN_PKCS11_KEY in
  *pin-value=*) echo "$me: SIEGEL_SIGN_PKCS11_KEY must not hold the PIN (pin-value); put it in SIEGEL_SIGN_PASSWORD_FILE" >&2; exit 1 ;;
  esac
  args+=(-pkcs11module "$SIEGEL_SIGN_PKCS11_MODULE" -certs "$SIEGEL_SIGN_CERTS" -key "$SIEGEL_SIGN_PKCS11_KEY")
fi
if [ -n "${SIEGEL_SIGN_PASSWORD_FILE:-}" ]; then
  [ -r "$SIEGEL_SIGN_PASSWORD_FILE" ] || { echo "$me: cannot read $SIEGEL_SIGN_PASSWORD_FILE (SIEGEL_SIGN_PASSWORD_FILE)" >&2; exit 1; }
  if [ -n "$(find "$SIEGEL_SIGN_PASSWORD_FILE" -perm /044 2>/dev/null)" ]; then
    echo "$me: warning: $SIEGEL_SIGN_PASSWORD_FILE is readable by others; chmod 600 it" >&2
  fi
  args+=(-readpass "$SIEGEL_SIGN_PASSWORD_FILE")
fi
for url in ${SIEGEL_SIGN_TIMESTAMP_URL:-}; do
  args+=(-ts "$url")
done
if [ -n "${SIEGEL_SIGN_TSA_CERTS:-}" ]; then
  args+=(-TSA-certs "$SIEGEL_SIGN_TSA_CERTS" -TSA-key "${SIEGEL_SIGN_TSA_KEY:?$me: SIEGEL_SIGN_TSA_CERTS needs SIEGEL_SIGN_TSA_KEY}")
fi

verify=(verify)
[ -n "${SIEGEL_SIGN_CAFILE:-}" ] && verify+=(-CAfile "$SIEGEL_SIGN_CAFILE")
[ -n "${SIEGEL_SIGN_TSA_CAFILE:-}" ] && verify+=(-TSA-CAfile "$SIEGEL_SIGN_TSA_CAFILE")

for f in "$@"; do
  [ -f "$f" ] || { echo "$me: $f: no such file" >&2; exit 1; }
  tmp="$f.unsigned.$$"
  # Sign a clean copy: signing an already signed file would nest or fail.
  if osslsigncode remove-signature -in "$f" -out "$tmp" >/dev/null 2>&1; then :; else cp "$f" "$tmp"; fi
  log=$(mktemp)
  if ! osslsigncode "${args[@]}" -in "$tmp" -out "$f.signed.$$" >"$log" 2>&1; then
    echo "$me: signing $f failed:" >&2
    cat "$log" >&2
    rm -f "$tmp" "$f.signed.$$" "$log"
    exit 1
  fi
  if ! osslsigncode "${verify[@]}" -in "$f.signed.$$" >"$log" 2>&1; then
    echo "$me: $f was signed but its signature does not verify:" >&2
    cat "$log" >&2
    rm -f "$tmp" "$f.signed.$$" "$log"
    exit 1
  fi
  mv "$f.signed.$$" "$f"
  rm -f "$tmp" "$log"
  echo "$me: signed $f"
done
