#!/usr/bin/env bash
# clang-tidy over both layers, every finding an error. The checks, chosen for
# bugs rather than style: bugprone-* (but the two that flag every pair of
# same-typed parameters and every int-to-double conversion), performance-*
# (but no-int-to-ptr, which PostgreSQL's Datum macros trip by design), the
# static analyzer's core and C++ checkers, and two tidiness checks.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
checks='-*,bugprone-*,-bugprone-easily-swappable-parameters,-bugprone-narrowing-conversions,performance-*'
checks+=',-performance-no-int-to-ptr,clang-analyzer-core.*,clang-analyzer-cplusplus.*,misc-unused-using-decls'
checks+=',readability-redundant-control-flow'
pg_config=${PG_CONFIG:-pg_config}
cd "$root"
# The core as CMake compiles it (build/core/compile_commands.json).
cmake -S . -B build/core -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
clang-tidy -p build/core --quiet --warnings-as-errors='*' -checks="$checks" src/core/*.cpp 2>/dev/null
# The PostgreSQL side with the server's headers; -Wno-register as the build.
clang-tidy --quiet --warnings-as-errors='*' -checks="$checks" src/pg/*.cpp -- -std=c++17 -Wno-register -Isrc \
    -I"$("$pg_config" --includedir-server)" -DCDCCRAFT_VERSION='"tidy"' 2>/dev/null
echo "clang-tidy: clean"
