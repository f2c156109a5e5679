#!/usr/bin/env bash
# Quick start 2: install what is missing, build everything, and run the whole
# test suite through ctest. Extra arguments go to ctest (e.g. -L unit).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
install_packages "$STRATA_ROOT/scripts/packages-build.txt" "$STRATA_ROOT/scripts/packages-test.txt"
build
cd "$STRATA_BUILD_DIR"
exec ctest --output-on-failure -j "$(nproc)" "$@"
