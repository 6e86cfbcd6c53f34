#!/usr/bin/env bash
# Runs every test on a fresh Debian bookworm machine: installs what is
# missing, builds, runs the core's unit tests, then the regression and TAP
# tests against throwaway PostgreSQL 15 instances.
source "$(dirname "$0")/lib.sh"

ensure_packages
ensure_os_user

echo "== core unit tests"
cmake -S "$CDCCRAFT_ROOT" -B "$CDCCRAFT_ROOT/build/core" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$CDCCRAFT_ROOT/build/core" -j"$(nproc)" >/dev/null
(cd "$CDCCRAFT_ROOT/build/core" && ctest --output-on-failure)

build_and_install

echo "== regression and TAP tests"
work=$(writable_copy)
if ! as_os_user "cd '$work' && make -s installcheck PROVE_FLAGS='--timer'"; then
    for f in "$work/regression.diffs" "$work"/tmp_check/log/*; do
        [ -f "$f" ] && { echo "---- $f"; tail -n 200 "$f"; }
    done
    echo "tests failed; their files are in $work" >&2
    exit 1
fi
rm -rf "$work"
echo "== all tests passed"
