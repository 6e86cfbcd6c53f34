#include "pg/server_encoding.hpp"

#include "pg/postgres_api.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "mb/pg_wchar.h"
}

#include "core/name_spelling.hpp"
#include "pg/core_guard.hpp"

namespace cdccraft::pg {
namespace {

// The name in the database's encoding, by PostgreSQL's own conversion from
// UTF8 in its no-error mode, which stops at the first character the encoding
// lacks: true, with the palloc'd result, only if the whole name converted.
bool convert_name(Oid proc, int encoding, std::string_view name, char** spelled) {
    const int length = static_cast<int>(name.size());
    const int size = length * MAX_CONVERSION_GROWTH + 1;
    auto* out = static_cast<unsigned char*>(palloc(size));
    auto* in = reinterpret_cast<unsigned char*>(const_cast<char*>(name.data()));
    if (pg_do_encoding_conversion_buf(proc, PG_UTF8, encoding, in, length, out, size, true) != length) {
        pfree(out);
        return false;
    }
    *spelled = reinterpret_cast<char*>(out);
    return true;
}

// Every spelling is either PostgreSQL's conversion, valid by construction, or
// ASCII, valid in every server encoding (those that are not ASCII supersets,
// such as SJIS, can only be client encodings). So this never fails; it is
// here so that a future encoding or pool entry breaking that rule fails the
// run at its start instead of storing text a dump could not restore.
void check_spelling(const NameSpellings* names, NamePool pool, size_t i, int encoding) {
    const std::string_view spelling = names->spelling(pool, i);
    if (pg_verify_mbstr(encoding, spelling.data(), static_cast<int>(spelling.size()), true)) return;
    const char* folded = core_string([&] { return ascii_spelling(names->name(pool, i)); });
    ereport(ERROR,
            (errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
             errmsg("cdccraft cannot spell the name \"%s\" in encoding \"%s\"", folded, GetDatabaseEncodingName()),
             errdetail("Neither its conversion nor its ASCII folding is valid in that encoding.")));
}

}  // namespace

void spell_names_for_database(BatchPlanner* planner) {
    const int encoding = GetDatabaseEncoding();
    // The pools are UTF-8 already; the hot path reads them as they are.
    if (encoding == PG_UTF8) return;
    // SQL_ASCII stores bytes as they come, without conversion or validation,
    // and hands them back unchanged to a client of any encoding: the UTF-8
    // bytes are the spelling a UTF8 client reads as written, and any other
    // would lose letters for nothing.
    if (encoding == PG_SQL_ASCII) return;

    NameSpellings* names = nullptr;
    CDCCRAFT_CORE(names = &planner->name_spellings_before_planning());
    names->set_ascii_text();
    // Looked up on the worker's search_path, pinned to pg_catalog, so the
    // role's own conversions cannot change what the run writes. MULE_INTERNAL
    // has none from UTF8: all its names that are not ASCII are folded.
    const Oid proc = FindDefaultConversionProc(PG_UTF8, encoding);
    const NamePool pools[] = {NamePool::Given, NamePool::Surname};
    size_t converted = 0;
    size_t folded = 0;
    for (NamePool pool : pools) {
        for (size_t i = 0; i < names->size(pool); ++i) {
            const std::string_view name = names->name(pool, i);
            // ASCII reads the same in every server encoding.
            if (!is_ascii(name)) {
                char* spelled = nullptr;
                if (OidIsValid(proc) && convert_name(proc, encoding, name, &spelled)) {
                    CDCCRAFT_CORE(names->respell(pool, i, spelled));
                    pfree(spelled);
                    converted++;
                } else {
                    CDCCRAFT_CORE(names->respell_ascii(pool, i));
                    folded++;
                }
            }
            check_spelling(names, pool, i, encoding);
        }
    }
    ereport(DEBUG1, (errmsg_internal("cdccraft names in encoding \"%s\": %zu converted, %zu folded to ASCII",
                                     GetDatabaseEncodingName(), converted, folded)));
}

}  // namespace cdccraft::pg
