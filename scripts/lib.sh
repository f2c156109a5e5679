# Shared by the scripts in this folder; sourced, not run.
set -euo pipefail

STRATA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STRATA_BUILD_DIR="${STRATA_BUILD_DIR:-$STRATA_ROOT/build}"
export DEBIAN_FRONTEND=noninteractive

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# install_packages FILE...: installs the packages listed in FILEs that are
# missing, running apt-get update first (only) when something is missing.
install_packages() {
  local wanted missing=()
  wanted=$(grep -hv '^\s*#' "$@" | grep -v '^\s*$')
  for entry in $wanted; do
    # "pkg:command" means the package is also satisfied when `command` is
    # already on PATH from elsewhere (e.g. NodeSource's nodejs bundles npm and
    # conflicts with Debian's npm package).
    local pkg="${entry%%:*}" cmd="${entry#*:}"
    if [ "$cmd" != "$entry" ] && command -v "$cmd" >/dev/null 2>&1; then
      continue
    fi
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "==> installing ${missing[*]}"
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# build [TARGET...]: configures once (RelWithDebInfo, ninja) and builds.
build() {
  if [ ! -f "$STRATA_BUILD_DIR/build.ninja" ]; then
    cmake -S "$STRATA_ROOT" -B "$STRATA_BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  cmake --build "$STRATA_BUILD_DIR" -j "$(nproc)" ${1:+--target "$@"}
}
