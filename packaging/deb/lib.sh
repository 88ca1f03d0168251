# Sourced by build.sh, test.sh and test-systemd.sh: where things are, failing, the build lock and installing what a
# clean CI machine lacks.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
started=$SECONDS
fail() { echo "$(basename "$0"): FAIL: $*" >&2; exit 1; }

# CPU-heavy steps hold the shared build lock ($CASTD_BUILD_LOCK, default /tmp/castd-build.lock) so they never run
# beside another build on the same cores. CASTD_BUILD_LOCK= (empty) when the caller holds it already.
lock="${CASTD_BUILD_LOCK-/tmp/castd-build.lock}"
heavy() {
  if [[ -n "$lock" ]]; then flock "$lock" "$@"; else "$@"; fi
}

# need_packages COMMAND=PACKAGE...: installs from Debian the packages whose command is missing (CI runs as root on a
# clean machine); apt-get update only when there are no package lists yet.
need_packages() {
  local missing=() pair
  for pair in "$@"; do
    command -v "${pair%%=*}" >/dev/null || missing+=("${pair#*=}")
  done
  ((${#missing[@]})) || return 0
  [[ -n "$(ls /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial -e auxfiles)" ]] || apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The project version, from <Version> in Directory.Build.props: the package's version.
project_version() {
  sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$1/Directory.Build.props"
}
