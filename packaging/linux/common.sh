# Sourced by packaging/deb.sh and packaging/linux/archive.sh: what a Linux
# package is built from, and the release build of the binary.
# Expects to run at the repository root with `set -euo pipefail`.

# Version, build number (the Debian revision), app ID and commit.
. packaging/version.sh
goarch=$(go env GOARCH)
# Reproducible timestamps: the commit's time (or now, outside git).
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH

# build_binary OUT builds the release binary: position-independent (ASLR,
# as Debian's hardening asks), -trimpath (no build paths in it), stripped,
# with version and commit for `siegel --version`.
build_binary() {
  local out=$1
  mkdir -p "$(dirname "$out")"
  go build -trimpath -buildmode=pie -ldflags "-s -w \
    -X github.com/siegel-app/siegel/app/cli.Version=$version \
    -X github.com/siegel-app/siegel/app/cli.Commit=$commit" -o "$out" .
}
