#!/usr/bin/env bash
# Quick start 1: install what is missing, build, and run strata-server in the
# foreground on its defaults (127.0.0.1:5433, data in ./strata-data of the
# current directory). Extra arguments go to strata-server.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
install_packages "$STRATA_ROOT/scripts/packages-build.txt"
build strata-server
exec "$STRATA_BUILD_DIR/bin/strata-server" "$@"
