#include "pg/postgres_api.hpp"

#include "pg/core_guard.hpp"

namespace cdccraft::pg {

namespace {
void copy_text(char* dst, size_t size, const char* src) noexcept { strlcpy(dst, src ? src : "", size); }
}  // namespace

void record_config_error(const ConfigError& e, CoreFailure& failure) noexcept {
    switch (e.kind()) {
        case ConfigErrorKind::InvalidName: failure.sqlstate = ERRCODE_INVALID_NAME; break;
        case ConfigErrorKind::NameTooLong: failure.sqlstate = ERRCODE_NAME_TOO_LONG; break;
        case ConfigErrorKind::InvalidValue: failure.sqlstate = ERRCODE_INVALID_PARAMETER_VALUE; break;
    }
    copy_text(failure.message, sizeof failure.message, e.what());
    copy_text(failure.hint, sizeof failure.hint, e.hint().c_str());
}

void record_exception(const char* what, int sqlstate, CoreFailure& failure) noexcept {
    failure.sqlstate = sqlstate;
    copy_text(failure.message, sizeof failure.message, what);
    failure.hint[0] = '\0';
}

int out_of_memory_sqlstate() noexcept { return ERRCODE_OUT_OF_MEMORY; }
int internal_error_sqlstate() noexcept { return ERRCODE_INTERNAL_ERROR; }

char* copy_to_malloc(const std::string& s) {
    char* copy = static_cast<char*>(malloc(s.size() + 1));
    if (copy == nullptr) throw std::bad_alloc();
    memcpy(copy, s.c_str(), s.size() + 1);
    return copy;
}

char* adopt_malloced(char* s) {
    char* copy = pstrdup(s);
    free(s);
    return copy;
}

void raise_core_failure(const CoreFailure& failure) {
    ereport(ERROR, (errcode(failure.sqlstate), errmsg("%s", failure.message),
                    failure.hint[0] ? errhint("%s", failure.hint) : 0));
    pg_unreachable();
}

}  // namespace cdccraft::pg
