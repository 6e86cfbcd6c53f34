EXTENSION = cdccraft
EXTVERSION = $(shell grep default_version $(EXTENSION).control | sed -e "s/default_version[[:space:]]*=[[:space:]]*'\([^']*\)'/\1/")
MODULE_big = cdccraft
# Every install and upgrade script; the control file names the default.
DATA = $(wildcard extension/$(EXTENSION)--*.sql)

# The core is built once, by CMake, with only src/ on its include path; the
# module links that archive, the one the unit tests run against.
CORE_BUILD = build/core
CORE_LIB = $(CORE_BUILD)/libcdccraft_core.a
PG_SOURCES = $(wildcard src/pg/*.cpp)
OBJS = $(PG_SOURCES:.cpp=.o)

# Regression tests: every file in sql/, run in a throwaway instance with
# wal_level = logical (see test/regress.conf).
REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --temp-instance=tmp_check --temp-config=test/regress.conf
# Isolation tests: every spec in specs/, in their own throwaway instance.
ISOLATION = $(patsubst specs/%.spec,%,$(sort $(wildcard specs/*.spec)))
ISOLATION_OPTS = --temp-instance=tmp_check_iso --temp-config=test/regress.conf
TAP_TESTS = 1
EXTRA_CLEAN = tmp_check tmp_check_iso output_iso $(CORE_BUILD)

# The version, defined once (in the control file), for the library to check
# against the SQL objects it finds.
PG_CPPFLAGS = -I$(srcdir)/src -DCDCCRAFT_VERSION='"$(EXTVERSION)"'
PG_CXXFLAGS = -std=c++17 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-register -ffp-contract=off
SHLIB_LINK = $(CORE_LIB) -lstdc++
# WERROR=1 (as CI builds): warnings fail the build, the core's too.
ifdef WERROR
PG_CXXFLAGS += -Werror
CORE_CMAKE_FLAGS = -DCDCCRAFT_WERROR=ON
endif

# Rebuild objects when a header they include changes.
override autodepend = yes
# The server's JIT bitcode (clang, C++14) is optional and cannot build C++17.
override with_llvm = no

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# CMake decides whether the archive is up to date, so it is asked every time.
.PHONY: core
core:
	cmake -S $(srcdir) -B $(CORE_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_RULE_MESSAGES=OFF $(CORE_CMAKE_FLAGS) >/dev/null
	+cmake --build $(CORE_BUILD) --target cdccraft_core >/dev/null
$(CORE_LIB): core
$(shlib): $(CORE_LIB)
