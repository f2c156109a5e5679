#!/usr/bin/env bash
# Builds a libFuzzer target with clang (ASan + UBSan) in its own build
# directory and runs it for a bounded time on a copy of its seed corpus.
# Usage: run_fuzzer.sh SOURCE_DIR BUILD_DIR TARGET CORPUS_NAME SECONDS
set -euo pipefail
src=$1 build=$2 target=$3 corpus=$4 seconds=$5
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DSTRATA_BUILD_FUZZERS=ON -DSTRATA_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$build" --target "$target"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$src/tests/fuzz/corpus/$corpus/." "$work/"
# Any crash, sanitizer report or oracle trap makes libFuzzer exit non-zero.
"$build/bin/$target" -max_total_time="$seconds" -print_final_stats=1 "$work" 2>&1 | tail -n 15
