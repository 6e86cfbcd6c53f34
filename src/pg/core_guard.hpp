// Calls into the C++ core from PostgreSQL code. ereport() longjmps over C++
// destructors and C++ exceptions must not unwind through PostgreSQL frames,
// so a core call runs inside a noexcept wrapper that turns any exception into
// a plain record, and the PostgreSQL error is raised only after the wrapper
// has returned and no C++ object is alive.
#pragma once

#include <new>
#include <string>

#include "core/run_config.hpp"

namespace cdccraft::pg {

struct CoreFailure {
    int sqlstate;
    char message[512];
    char hint[512];
};

void record_config_error(const ConfigError& e, CoreFailure& failure) noexcept;
void record_exception(const char* what, int sqlstate, CoreFailure& failure) noexcept;
int out_of_memory_sqlstate() noexcept;
int internal_error_sqlstate() noexcept;

template <typename Fn>
bool core_call(Fn&& fn, CoreFailure& failure) noexcept {
    try {
        fn();
        return true;
    } catch (const ConfigError& e) {
        record_config_error(e, failure);
    } catch (const std::bad_alloc&) {
        record_exception("out of memory in cdccraft core", out_of_memory_sqlstate(), failure);
    } catch (const std::exception& e) {
        record_exception(e.what(), internal_error_sqlstate(), failure);
    } catch (...) {
        record_exception("unknown exception in cdccraft core", internal_error_sqlstate(), failure);
    }
    return false;
}

[[noreturn]] void raise_core_failure(const CoreFailure& failure);

// A malloc'd copy of s; throws std::bad_alloc.
char* copy_to_malloc(const std::string& s);
// A palloc'd copy of a malloc'd string, which it frees.
char* adopt_malloced(char* s);

}  // namespace cdccraft::pg

// Runs a core statement; on an exception raises it as a PostgreSQL ERROR.
#define CDCCRAFT_CORE(statement)                                             \
    do {                                                                     \
        ::cdccraft::pg::CoreFailure core_failure_;                           \
        if (!::cdccraft::pg::core_call([&]() { statement; }, core_failure_)) \
            ::cdccraft::pg::raise_core_failure(core_failure_);               \
    } while (0)

namespace cdccraft::pg {

// Runs fn, which returns a std::string, in the core guard; returns the
// string palloc'd.
template <typename Fn>
char* core_string(Fn&& fn) {
    char* raw = nullptr;
    CDCCRAFT_CORE(raw = copy_to_malloc(fn()));
    return adopt_malloced(raw);
}

}  // namespace cdccraft::pg
