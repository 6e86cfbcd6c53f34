#include "pg/start_arguments.hpp"

#include "pg/core_guard.hpp"
#include "pg/launch_handoff.hpp"
#include "pg/settings.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(cdccraft_start_parameters);
}

namespace cdccraft::pg {
namespace {

bool takes_null(const ParameterSpec& p) { return strncmp(p.sql_default.data(), "NULL", 4) == 0; }

// What a setting gives a parameter: every setting is read here, in the
// caller's session, and travels in the configuration, since the worker's own
// session would see only the server's.
StartArgument from_setting(const ParameterSpec& p, const StartArgument* arguments) {
    StartArgument a{};
    if (p.setting == "cdccraft.lock_timeout") {
        a.integer = lock_timeout_setting_ms();
    } else if (p.setting == "cdccraft.insert_method") {
        a.text = insert_method_setting();
    } else if (p.setting == "cdccraft.max_slot_lag") {
        // It bounds only runs with a slot.
        a.integer = argument_of(arguments, Parameter::create_slot).flag ? max_slot_lag_bytes() : 0;
    } else {
        elog(ERROR, "cdccraft parameter %s names an unknown setting", p.name.data());
    }
    return a;
}

// A text[] argument as its elements joined by commas, the core's list form.
const char* joined_elements(ArrayType* array, const ParameterSpec& p) {
    if (ARR_NDIM(array) > 1)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("%s must be a one-dimensional array", p.name.data())));
    Datum* elements;
    bool* nulls;
    int count;
    deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT, &elements, &nulls, &count);
    StringInfoData joined;
    initStringInfo(&joined);
    for (int i = 0; i < count; ++i) {
        if (nulls[i])
            ereport(ERROR,
                    (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s must not contain NULL", p.name.data())));
        const char* element = TextDatumGetCString(elements[i]);
        // A comma would split one element into two names, and an empty one
        // alone would join to the empty text, the empty set.
        if (element[0] == '\0' || strchr(element, ',') != nullptr)
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("%s names an unknown %s \"%s\"", p.name.data(),
                                   p.name == "evolution_ops" ? "operation" : "kind", element)));
        appendStringInfo(&joined, "%s%s", i == 0 ? "" : ",", element);
    }
    return joined.data;
}

StartArgument from_call(FunctionCallInfo fcinfo, int position, const ParameterSpec& p) {
    StartArgument a{};
    switch (p.sql_type) {
        case SqlType::Text: a.text = text_to_cstring(PG_GETARG_TEXT_PP(position)); break;
        case SqlType::TextArray: a.text = joined_elements(PG_GETARG_ARRAYTYPE_P(position), p); break;
        case SqlType::Bigint: a.integer = PG_GETARG_INT64(position); break;
        case SqlType::Integer: a.integer = PG_GETARG_INT32(position); break;
        case SqlType::Boolean: a.flag = PG_GETARG_BOOL(position); break;
        case SqlType::DoublePrecision: a.number = PG_GETARG_FLOAT8(position); break;
        case SqlType::None: elog(ERROR, "cdccraft parameter %s is not an argument", p.name.data());
    }
    // NULL, not '', asks for a derived name.
    const bool derived_name = p.check == Check::Identifier || p.check == Check::SlotName;
    if (p.sql_type == SqlType::Text && derived_name && takes_null(p) && a.text[0] == '\0')
        ereport(ERROR, (errcode(ERRCODE_INVALID_NAME), errmsg("%s must not be empty", p.name.data()),
                        errhint("Pass NULL for the default name.")));
    return a;
}

uint64 random_seed() {
    uint64 seed = 0;
    if (!pg_strong_random(&seed, sizeof seed))
        ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not generate a random seed")));
    return seed & INT64CONST(0x7FFFFFFFFFFFFFFF);  // shown as a positive bigint
}

// A value into the RunConfig member it belongs to.
void assign(std::string& member, const StartArgument& a) { member = a.text; }
void assign(int64_t& member, const StartArgument& a) { member = a.integer; }
void assign(uint64_t& member, const StartArgument& a) { member = static_cast<uint64_t>(a.integer); }
void assign(bool& member, const StartArgument& a) { member = a.flag; }
void assign(double& member, const StartArgument& a) { member = a.number; }
void assign(ReplicaIdentity& member, const StartArgument& a) { member = parse_replica_identity(a.text); }
void assign(KeyOrder& member, const StartArgument& a) { member = parse_key_order(a.text); }
void assign(ColumnProfile& member, const StartArgument& a) { member = parse_column_profile(a.text); }
void assign(Partitioning& member, const StartArgument& a) { member = parse_partitioning(a.text); }
void assign(InsertMethod& member, const StartArgument& a) { member = parse_insert_method(a.text); }
void assign(EvolutionOps& member, const StartArgument& a) { member = parse_evolution_ops(a.text); }
void assign(UpdateKinds& member, const StartArgument& a) { member = parse_update_kinds(a.text); }
void assign(std::optional<int64_t>& member, const StartArgument& a) { member = a.integer; }

}  // namespace

const StartArgument& argument_of(const StartArgument* arguments, Parameter parameter) {
    return arguments[static_cast<size_t>(parameter)];
}

void read_start_arguments(FunctionCallInfo fcinfo, StartArgument* arguments) {
    // Before any argument is read: a library newer than the installed SQL
    // signature must not read past the call's arguments.
    int argument_count = 0;
    for (const ParameterSpec& p : kParameters) argument_count += p.sql_type != SqlType::None;
    if (argument_count != PG_NARGS())
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("cdccraft_start has %d arguments, but the cdccraft library expects %d", PG_NARGS(),
                               argument_count),
                        errhint("Update the extension with ALTER EXTENSION cdccraft UPDATE.")));
    int position = 0;
    for (size_t i = 0; i < kParameterCount; ++i) {
        const ParameterSpec& p = kParameters[i];
        if (p.sql_type == SqlType::None) {
            arguments[i] = from_setting(p, arguments);
            continue;
        }
        const int arg = position++;
        if (!PG_ARGISNULL(arg)) {
            arguments[i] = from_call(fcinfo, arg, p);
        } else if (!takes_null(p)) {
            ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s must not be NULL", p.name.data())));
        } else if (!p.setting.empty()) {
            arguments[i] = from_setting(p, arguments);
        } else {
            arguments[i] = StartArgument{};
            arguments[i].isnull = true;
        }
    }
    StartArgument& seed = arguments[static_cast<size_t>(Parameter::seed)];
    if (seed.isnull) {
        seed.isnull = false;
        seed.integer = static_cast<int64>(random_seed());
    }
}

char* build_config_wire(const StartArgument* arguments) {
    return core_string([&] {
        RunConfig c;
        visit_parameters(c, [arguments](const ParameterSpec& p, auto& member) {
            const StartArgument& a = arguments[&p - kParameters];
            if (!a.isnull) assign(member, a);
        });
        validate(c);
        std::string wire = to_wire(c);
        if (wire.size() >= sizeof(LaunchHandoff::config_wire)) throw std::length_error("run configuration too long");
        return wire;
    });
}

}  // namespace cdccraft::pg

using namespace cdccraft::pg;

// cdccraft.start_parameters(): the parameter table, for a regression test
// that holds it against cdccraft_start's installed signature, and for users.
extern "C" Datum cdccraft_start_parameters(PG_FUNCTION_ARGS) {
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    InitMaterializedSRF(fcinfo, 0);
    for (size_t i = 0; i < cdccraft::kParameterCount; ++i) {
        const cdccraft::ParameterSpec& p = cdccraft::kParameters[i];
        const std::string_view type = cdccraft::sql_type_name(p.sql_type);
        Datum values[5];
        bool nulls[5] = {false, p.sql_type == cdccraft::SqlType::None, p.sql_type == cdccraft::SqlType::None,
                         p.setting.empty(), false};
        values[0] = PointerGetDatum(cstring_to_text_with_len(p.name.data(), static_cast<int>(p.name.size())));
        values[1] = PointerGetDatum(cstring_to_text_with_len(type.data(), static_cast<int>(type.size())));
        values[2] =
            PointerGetDatum(cstring_to_text_with_len(p.sql_default.data(), static_cast<int>(p.sql_default.size())));
        values[3] = PointerGetDatum(cstring_to_text_with_len(p.setting.data(), static_cast<int>(p.setting.size())));
        values[4] =
            PointerGetDatum(cstring_to_text_with_len(p.description.data(), static_cast<int>(p.description.size())));
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
    return (Datum)0;
}
