#include "core/run_config.hpp"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

using namespace cdccraft;

TEST(RunConfig, DerivesPublicationAndSlotNames) {
    RunConfig c;
    c.table_name = "Order Lines";
    validate(c);
    EXPECT_EQ(c.publication_name, "Order Lines_pub");
    EXPECT_EQ(c.slot_name, "order_lines_slot");
}

TEST(RunConfig, RejectsOutOfRangeValues) {
    auto fails = [](auto mutate) {
        RunConfig c;
        mutate(c);
        try {
            validate(c);
        } catch (const ConfigError& e) {
            return e.kind();
        }
        ADD_FAILURE() << "accepted";
        return ConfigErrorKind::InvalidName;
    };
    EXPECT_EQ(fails([](RunConfig& c) { c.batch_size = 0; }), ConfigErrorKind::InvalidValue);
    EXPECT_EQ(fails([](RunConfig& c) { c.total_records = -1; }), ConfigErrorKind::InvalidValue);
    EXPECT_EQ(fails([](RunConfig& c) { c.snapshot_rows = -5; }), ConfigErrorKind::InvalidValue);
    EXPECT_EQ(fails([](RunConfig& c) { c.mutation_probability = 1.5; }), ConfigErrorKind::InvalidValue);
    EXPECT_EQ(fails([](RunConfig& c) { c.evolution_interval = 0; }), ConfigErrorKind::InvalidValue);
    EXPECT_EQ(fails([](RunConfig& c) { c.table_name = ""; }), ConfigErrorKind::InvalidName);
    EXPECT_EQ(fails([](RunConfig& c) { c.table_name = std::string(64, 'x'); }), ConfigErrorKind::NameTooLong);
    EXPECT_EQ(fails([](RunConfig& c) { c.slot_name = "Bad-Slot"; }), ConfigErrorKind::InvalidName);
    EXPECT_EQ(fails([](RunConfig& c) { c.lock_timeout_ms = 0; }), ConfigErrorKind::InvalidValue);
    EXPECT_EQ(fails([](RunConfig& c) { c.lock_timeout_ms = int64_t{INT32_MAX} + 1; }), ConfigErrorKind::InvalidValue);
}

TEST(RunConfig, ReplicaIdentityParses) {
    EXPECT_EQ(parse_replica_identity("full"), ReplicaIdentity::Full);
    EXPECT_EQ(parse_replica_identity("default"), ReplicaIdentity::Default);
    EXPECT_THROW(parse_replica_identity("nothing"), ConfigError);
}

TEST(RunConfig, WireRoundTrips) {
    RunConfig c;
    c.table_name = "we\"ird\nname\\x";
    c.seed = 18446744073709551615ULL;
    c.mutation_probability = 0.1;
    c.evolve = false;
    validate(c);
    RunConfig back = from_wire(to_wire(c));
    EXPECT_EQ(to_wire(back), to_wire(c));
    EXPECT_EQ(back.table_name, c.table_name);
    EXPECT_EQ(back.seed, c.seed);
    EXPECT_EQ(back.mutation_probability, 0.1);
    EXPECT_FALSE(back.evolve);
    EXPECT_THROW(from_wire("nonsense"), ConfigError);
    EXPECT_THROW(from_wire("no_such_parameter=1\n"), ConfigError);
    EXPECT_THROW(from_wire("evolve=maybe\n"), ConfigError);
    EXPECT_EQ(from_wire("batch_size=7\n").batch_size, 7);
}

TEST(RunConfig, JsonIsFlatAndEscaped) {
    RunConfig c;
    c.table_name = "a\"b";
    c.seed = 7;
    validate(c);
    const std::string j = to_json(c);
    EXPECT_NE(j.find("\"table_name\": \"a\\\"b\""), std::string::npos) << j;
    EXPECT_NE(j.find("\"evolution_probability\": 0.2,"), std::string::npos) << j;
    EXPECT_NE(j.find("\"evolve\": true"), std::string::npos) << j;
    EXPECT_NE(j.find("\"seed\": 7"), std::string::npos) << j;
}

TEST(RunConfig, CarriesTheCallersLockTimeout) {
    RunConfig c;
    c.lock_timeout_ms = 1234;
    validate(c);
    EXPECT_EQ(from_wire(to_wire(c)).lock_timeout_ms, 1234);
    EXPECT_NE(to_json(c).find("\"lock_timeout_ms\": 1234,"), std::string::npos) << to_json(c);
    // A configuration written before the field existed reads as the old default.
    EXPECT_EQ(from_wire("batch_size=7\n").lock_timeout_ms, 10000);
}

// RunConfig's member defaults are the SQL signature's: the parameter table
// states each twice (C++ and SQL), and the two must say the same.
std::string sql_literal(std::string_view sql_default) {
    std::string v(sql_default.substr(0, sql_default.find("::")));
    if (v.size() >= 2 && v.front() == '\'') v = v.substr(1, v.size() - 2);
    return v;
}
std::string default_text(const std::string& v) { return v; }
std::string default_text(int64_t v) { return std::to_string(v); }
std::string default_text(uint64_t v) { return std::to_string(v); }
std::string default_text(bool v) { return v ? "true" : "false"; }
std::string default_text(double v) {
    std::ostringstream out;
    out << v;
    return out.str();
}
std::string default_text(ReplicaIdentity v) { return std::string(replica_identity_name(v)); }
std::string default_text(KeyOrder v) { return std::string(key_order_name(v)); }
std::string default_text(ColumnProfile v) { return std::string(column_profile_name(v)); }
std::string default_text(Partitioning v) { return std::string(partitioning_name(v)); }
std::string default_text(InsertMethod v) { return std::string(insert_method_name(v)); }
std::string default_text(EvolutionOps v) { return "{" + evolution_ops_text(v) + "}"; }
std::string default_text(UpdateKinds v) { return "{" + update_kinds_text(v) + "}"; }
std::string default_text(const std::optional<int64_t>& v) { return v ? std::to_string(*v) : "NULL"; }

TEST(RunParameters, CppDefaultsAreTheSqlDefaults) {
    RunConfig c;
    size_t compared = 0;
    visit_parameters(c, [&](const ParameterSpec& p, const auto& member) {
        if (p.sql_type == SqlType::None || p.sql_default.rfind("NULL", 0) == 0) return;
        EXPECT_EQ(default_text(member), sql_literal(p.sql_default)) << p.name;
        ++compared;
    });
    EXPECT_EQ(compared, 35u);
    // An optional count's NULL is its C++ default too.
    EXPECT_EQ(default_text(c.updates_per_batch), "NULL");
    EXPECT_EQ(default_text(c.deletes_per_batch), "NULL");
}

TEST(RunConfig, InsertMethodTravelsAndIsChecked) {
    RunConfig c;
    EXPECT_EQ(c.insert_method, InsertMethod::Copy);
    c.insert_method = InsertMethod::Insert;
    EXPECT_EQ(from_wire(to_wire(c)).insert_method, InsertMethod::Insert);
    EXPECT_EQ(from_json(to_json(c)).insert_method, InsertMethod::Insert);
    EXPECT_THROW(parse_insert_method("multi"), ConfigError);
}

// NULL (the draw decides) and 0 (none) are different mixes, and both must
// survive the wire and the catalog's JSON.
TEST(RunConfig, ExactMixAndUpdateKindsTravel) {
    RunConfig c;
    c.deletes_per_batch = 0;
    c.update_kinds = parse_update_kinds("key,same_value");
    validate(c);
    for (const RunConfig& back : {from_wire(to_wire(c)), from_json(to_json(c))}) {
        EXPECT_FALSE(back.updates_per_batch.has_value());
        EXPECT_EQ(back.deletes_per_batch, std::optional<int64_t>(0));
        EXPECT_EQ(update_kinds_text(back.update_kinds), "same_value,key");
    }
    EXPECT_NE(to_json(c).find("\"updates_per_batch\": null, \"deletes_per_batch\": 0, "
                              "\"update_kinds\": [\"same_value\", \"key\"]"),
              std::string::npos)
        << to_json(c);
    RunConfig bad;
    bad.update_kinds = UpdateKinds();
    EXPECT_THROW(validate(bad), ConfigError);
    bad = RunConfig();
    bad.updates_per_batch = 100001;
    EXPECT_THROW(validate(bad), ConfigError);
    EXPECT_THROW(parse_update_kinds("column,sideways"), ConfigError);
}

TEST(RunParameters, EveryParameterIsDescribedAndNamedOnce) {
    std::set<std::string_view> names;
    for (const ParameterSpec& p : kParameters) {
        EXPECT_FALSE(p.description.empty()) << p.name;
        EXPECT_TRUE(names.insert(p.name).second) << p.name;
        if (p.check == Check::Range) {
            EXPECT_FALSE(p.rule.empty()) << p.name;
        }
    }
}

// The parameters JSON is all the catalog keeps of a run's configuration, so
// it must give the configuration back exactly: as written, and as jsonb
// prints it back (its own key order, spacing and escapes).
TEST(RunConfig, JsonGivesTheConfigurationBack) {
    RunConfig c;
    c.table_name = "Order \"Lines\" \\ 2024\n";
    c.schema_name = "schéma";
    c.slot_plugin = "test_decoding";
    c.seed = 0xFEDCBA9876543210u;  // shown as a negative bigint
    c.evolve = false;
    c.replica_identity = ReplicaIdentity::Default;
    c.key_order = KeyOrder::Time;
    c.mutation_probability = 0.1;
    c.changes_per_second = 1e-05;
    c.lock_timeout_ms = 1234;
    c.evolution_ops = EvolutionOps::of({EvolutionOp::Rename, EvolutionOp::Truncate});
    validate(c);
    const RunConfig back = from_json(to_json(c));
    EXPECT_EQ(to_wire(back), to_wire(c));
    // jsonb's rendering of the same object: sorted keys, its escapes, and
    // numbers as numeric prints them.
    const RunConfig printed = from_json(
        "{\"seed\": -81985529216486896, \"evolve\": false, \"key_order\": \"time\", \"table_name\": "
        "\"Order \\\"Lines\\\" \\\\ 2024\\n\", \"schema_name\": \"sch\\u00e9ma\", \"changes_per_second\": 0.00001, "
        "\"evolution_ops\": [\"truncate\", \"rename\"]}");
    EXPECT_EQ(printed.seed, c.seed);
    EXPECT_FALSE(printed.evolve);
    EXPECT_EQ(printed.key_order, KeyOrder::Time);
    EXPECT_EQ(printed.table_name, c.table_name);
    EXPECT_EQ(printed.schema_name, c.schema_name);
    EXPECT_EQ(printed.changes_per_second, 1e-05);
    EXPECT_EQ(printed.evolution_ops, c.evolution_ops);
    EXPECT_EQ(printed.batch_size, RunConfig{}.batch_size);  // absent: the default
}

TEST(RunConfig, JsonRefusesWhatIsNotAParametersObject) {
    for (const char* bad :
         {"", "[]", "{", "{\"batch_size\": }", "{\"batch_size\": \"500\"}", "{\"evolve\": 1}",
          "{\"no_such_parameter\": 1}", "{\"table_name\": sales}", "{\"seed\": 1} x", "{\"table_name\": \"\\ud800\"}",
          "{\"table_name\": \"\\q\"}", "{\"evolution_ops\": \"add\"}", "{\"evolution_ops\": [\"add\",]}",
          "{\"evolution_ops\": [\"add,drop\"]}", "{\"evolution_ops\": [\"explode\"]}",
          "{\"table_name\": [\"sales\"]}"}) {
        EXPECT_THROW(from_json(bad), ConfigError) << bad;
    }
    EXPECT_EQ(from_json("{}").batch_size, RunConfig{}.batch_size);
}

TEST(EvolutionOps, NamesTravelInTheTablesOrder) {
    EXPECT_EQ(evolution_ops_text(kOriginalEvolutionOps), "add,drop");
    EXPECT_EQ(parse_evolution_ops("drop,add"), kOriginalEvolutionOps);
    EXPECT_EQ(parse_evolution_ops("all"), EvolutionOps::all());
    EXPECT_EQ(parse_evolution_ops("rename,all"), EvolutionOps::all());
    EXPECT_TRUE(parse_evolution_ops("").empty());
    const EvolutionOps all = EvolutionOps::all();
    EXPECT_EQ(parse_evolution_ops(evolution_ops_text(all)), all);
    for (size_t i = 0; i < kEvolutionOpCount; ++i) EXPECT_TRUE(all.has(static_cast<EvolutionOp>(i)));
    RunConfig c;
    c.evolution_ops = all;
    EXPECT_EQ(from_wire(to_wire(c)).evolution_ops, all);
    EXPECT_EQ(from_json(to_json(c)).evolution_ops, all);
    c.evolution_ops = EvolutionOps{};
    EXPECT_NE(to_json(c).find("\"evolution_ops\": []"), std::string::npos) << to_json(c);
    EXPECT_TRUE(from_json(to_json(c)).evolution_ops.empty());
}

TEST(EvolutionOps, AnUnknownNameIsRefusedWithTheList) {
    for (const char* bad : {"explode", "add,", ",add", "ADD", "add, drop"}) {
        try {
            parse_evolution_ops(bad);
            ADD_FAILURE() << bad;
        } catch (const ConfigError& e) {
            EXPECT_EQ(e.kind(), ConfigErrorKind::InvalidValue);
            EXPECT_NE(e.hint().find("truncate"), std::string::npos) << e.hint();
        }
    }
}
