EXTENSION = cdccraft
EXTVERSION = $(shell grep default_version $(EXTENSION).control | sed -e "s/default_version[[:space:]]*=[[:space:]]*'\([^']*\)'/\1/")
MODULE_big = cdccraft
# Every install and upgrade script; the control file names the default.
DATA = $(wildcard extension/$(EXTENSION)--*.sql)

CORE_SOURCES = $(wildcard src/core/*.cpp)
PG_SOURCES = $(wildcard src/pg/*.cpp)
OBJS = $(CORE_SOURCES:.cpp=.o) $(PG_SOURCES:.cpp=.o)

# Regression tests: every file in sql/, run in a throwaway instance with
# wal_level = logical (see test/regress.conf).
REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --temp-instance=tmp_check --temp-config=test/regress.conf
# Isolation tests: every spec in specs/, in their own throwaway instance.
ISOLATION = $(patsubst specs/%.spec,%,$(sort $(wildcard specs/*.spec)))
ISOLATION_OPTS = --temp-instance=tmp_check_iso --temp-config=test/regress.conf
TAP_TESTS = 1
EXTRA_CLEAN = tmp_check tmp_check_iso output_iso

# The version, defined once (in the control file), for the library to check
# against the SQL objects it finds.
PG_CPPFLAGS = -I$(srcdir)/src -DCDCCRAFT_VERSION='"$(EXTVERSION)"'
PG_CXXFLAGS = -std=c++17 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-register -ffp-contract=off
SHLIB_LINK = -lstdc++

# Rebuild objects when a header they include changes.
override autodepend = yes
# The server's JIT bitcode (clang, C++14) is optional and cannot build C++17.
override with_llvm = no

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)
