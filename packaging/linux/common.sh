# Sourced by packaging/deb.sh and packaging/linux/archive.sh: what a Linux
# package is built from, and the release build of the binary.
# Expects to run at the repository root with `set -euo pipefail`.

# Version and build number come from FyneApp.toml, the one place they are
# kept; the Debian revision is the Fyne build number.
version=$(sed -n 's/^Version *= *"\([^"]*\)".*/\1/p' FyneApp.toml)
build=$(sed -n 's/^Build *= *\([0-9][0-9]*\).*/\1/p' FyneApp.toml)
app_id=$(sed -n 's/^ID *= *"\([^"]*\)".*/\1/p' FyneApp.toml)
if [ -z "$version" ] || [ -z "$build" ] || [ -z "$app_id" ]; then
  echo "FyneApp.toml: Version, Build or ID missing" >&2
  exit 1
fi
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
# A package built from uncommitted changes must not pass for the commit.
if [ "$commit" != unknown ] && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  commit="$commit-dirty"
fi
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
