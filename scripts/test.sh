#!/usr/bin/env bash
# Runs every test on a fresh Debian bookworm machine: installs what is
# missing, builds, runs the core's unit tests, then the regression and TAP
# tests against throwaway PostgreSQL 15 instances.
source "$(dirname "$0")/lib.sh"

ensure_packages
ensure_os_user

# Warnings fail every build here. The extension links the very core archive
# that these unit tests run against (build/core, see the Makefile).
echo "== core unit tests"
cmake -S "$CDCCRAFT_ROOT" -B "$CDCCRAFT_ROOT/build/core" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCDCCRAFT_WERROR=ON >/dev/null
cmake --build "$CDCCRAFT_ROOT/build/core" -j"$(nproc)" >/dev/null
(cd "$CDCCRAFT_ROOT/build/core" && ctest --output-on-failure)

echo "== clang-tidy (scripts/tidy.sh names the checks)"
bash "$CDCCRAFT_ROOT/scripts/tidy.sh"

echo "== core unit tests under AddressSanitizer, LeakSanitizer and UBSan"
cmake -S "$CDCCRAFT_ROOT" -B "$CDCCRAFT_ROOT/build/asan" -DCDCCRAFT_SANITIZE=ON -DCDCCRAFT_WERROR=ON \
    -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$CDCCRAFT_ROOT/build/asan" -j"$(nproc)" >/dev/null
(cd "$CDCCRAFT_ROOT/build/asan" &&
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        ctest --output-on-failure)

WERROR=1 build_and_install

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
