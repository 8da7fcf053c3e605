# Sourced by the packaging scripts, at the repository root with
# `set -euo pipefail`: what a build is called. FyneApp.toml keeps the
# version, the build number and the app ID (one-line `Key = value`
# entries); VERSION and COMMIT in the environment override version and
# commit. Sets version, build, app_id, commit.
toml_value() { sed -n "s/^$1 *= *\"\{0,1\}\([^\"]*\)\"\{0,1\} *$/\1/p" FyneApp.toml | head -n1; }
version=${VERSION:-$(toml_value Version)}
build=$(toml_value Build)
app_id=$(toml_value ID)
if [ -z "$version" ] || [ -z "$build" ] || [ -z "$app_id" ]; then
  echo "FyneApp.toml: Version, Build or ID missing" >&2
  exit 1
fi
# version_quad SEP: MAJOR SEP MINOR SEP PATCH SEP BUILD, the four numbers
# Windows' VERSIONINFO and NSIS want; fails for a version of another form.
version_quad() {
  if ! [[ $version =~ ^([0-9]+)\.([0-9]+)\.([0-9]+) ]]; then
    echo "version $version (FyneApp.toml or VERSION) is not MAJOR.MINOR.PATCH" >&2
    return 1
  fi
  echo "${BASH_REMATCH[1]}$1${BASH_REMATCH[2]}$1${BASH_REMATCH[3]}$1${build:-0}"
}
commit=${COMMIT:-}
if [ -z "$commit" ]; then
  commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
  # A build from uncommitted changes must not pass for the commit.
  if [ "$commit" != unknown ] && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    commit="$commit-dirty"
  fi
fi
