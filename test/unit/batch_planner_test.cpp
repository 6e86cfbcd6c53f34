#include "core/batch_planner.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace cdccraft;

namespace {

RunConfig config_with(uint64_t seed, int64_t total = 50000, int64_t batch = 100) {
    RunConfig c;
    c.seed = seed;
    c.total_records = total;
    c.batch_size = batch;
    c.snapshot_rows = 250;
    validate(c);
    return c;
}

// A digest of everything a batch does, to compare two runs.
uint64_t digest(const BatchPlan& p, uint64_t h) {
    auto mix = [&h](uint64_t v) { h = (h ^ v) * 0x100000001B3ULL; };
    mix(static_cast<uint64_t>(p.batch_number));
    if (p.evolution) mix(p.evolution->column * 2 + (p.evolution->op == EvolutionOp::Drop ? 1 : 0));
    for (const Uuid& k : p.insert_keys)
        for (uint8_t b : k) mix(b);
    for (ColumnId c : p.insert_columns) {
        const ColumnValues& v = p.values_of(c);
        for (int64_t x : v.ints) mix(static_cast<uint64_t>(x));
        for (double x : v.floats) mix(static_cast<uint64_t>(x * 100));
        for (uint8_t x : v.bools) mix(x);
        for (char x : v.text_arena) mix(static_cast<uint8_t>(x));
    }
    mix(static_cast<uint64_t>(p.mutation));
    for (const Uuid& k : p.delete_keys) mix(k[0] | (k[15] << 8));
    for (size_t g = 0; g < p.update_group_count; ++g)
        for (const Uuid& k : p.update_groups[g].keys) mix(k[1] | (k[14] << 8));
    return h;
}

uint64_t run_digest(const RunConfig& c) {
    BatchPlanner planner(c);
    BatchPlan plan;
    uint64_t h = 1469598103934665603ULL;
    while (planner.plan_snapshot_chunk(plan)) h = digest(plan, h);
    while (!planner.finished()) {
        planner.plan_batch(plan);
        h = digest(plan, h);
    }
    return h;
}

}  // namespace

TEST(BatchPlanner, SameSeedSamePlans) {
    EXPECT_EQ(run_digest(config_with(2024)), run_digest(config_with(2024)));
    EXPECT_NE(run_digest(config_with(2024)), run_digest(config_with(2025)));
}

TEST(BatchPlanner, TotalRecordsAreExactAndLastBatchIsShort) {
    BatchPlanner planner(config_with(1, 1050, 100));
    BatchPlan plan;
    int64_t inserted = 0;
    while (!planner.finished()) {
        planner.plan_batch(plan);
        inserted += static_cast<int64_t>(plan.insert_keys.size());
    }
    EXPECT_EQ(inserted, 1050);
    EXPECT_EQ(planner.batches_planned(), 11);
    EXPECT_EQ(plan.insert_keys.size(), 50u);
}

// Replays every plan against a model table: no update or delete ever touches
// a key that is not live, and the live set matches the model exactly.
TEST(BatchPlanner, MutationsTouchOnlyLiveKeys) {
    BatchPlanner planner(config_with(77, 40000, 200));
    BatchPlan plan;
    std::set<Uuid> table;
    int64_t inserts = 0, updates = 0, deletes = 0;
    auto insert_all = [&] {
        for (const Uuid& k : plan.insert_keys) ASSERT_TRUE(table.insert(k).second);
        inserts += static_cast<int64_t>(plan.insert_keys.size());
    };
    while (planner.plan_snapshot_chunk(plan)) insert_all();
    while (!planner.finished()) {
        planner.plan_batch(plan);
        insert_all();
        std::set<Uuid> touched;
        for (size_t g = 0; g < plan.update_group_count; ++g) {
            const UpdateGroup& group = plan.update_groups[g];
            ASSERT_FALSE(column_spec(group.column).is_protected);
            ASSERT_TRUE(planner.schema().has(group.column));
            ASSERT_EQ(group.values.size(), group.keys.size());
            for (const Uuid& k : group.keys) {
                ASSERT_TRUE(table.count(k)) << "update of a deleted key";
                ASSERT_TRUE(touched.insert(k).second) << "row updated twice in one batch";
            }
        }
        updates += plan.updated_rows();
        for (const Uuid& k : plan.delete_keys) ASSERT_EQ(table.erase(k), 1u) << "delete of a deleted key";
        deletes += static_cast<int64_t>(plan.delete_keys.size());
        ASSERT_LE(static_cast<int64_t>(plan.delete_keys.size() + plan.updated_rows()), 100);
    }
    EXPECT_EQ(planner.live_keys().size(), table.size());
    EXPECT_EQ(static_cast<int64_t>(table.size()), inserts - deletes);
    EXPECT_GT(updates, 0);
    EXPECT_GT(deletes, 0);
}

TEST(BatchPlanner, InsertValuesCoverEveryGeneratedColumnInRange) {
    RunConfig c = config_with(8, 20000, 500);
    c.evolution_probability = 1.0;
    c.add_probability = 1.0;
    c.evolution_interval = 1;
    c.max_additions = 10;
    BatchPlanner planner(c);
    BatchPlan plan;
    while (!planner.finished()) {
        planner.plan_batch(plan);
        for (ColumnId id : plan.insert_columns) {
            const ColumnSpec& spec = column_spec(id);
            const ColumnValues& v = plan.values_of(id);
            ASSERT_EQ(v.size(), plan.insert_keys.size()) << spec.name;
            for (size_t i = 0; i < v.size(); ++i) {
                switch (spec.generator) {
                    case Generator::ItemId: ASSERT_TRUE(v.ints[i] >= 1 && v.ints[i] <= 10000); break;
                    case Generator::Quantity: ASSERT_TRUE(v.ints[i] >= 1 && v.ints[i] <= 10); break;
                    case Generator::TotalAmount: ASSERT_TRUE(v.floats[i] >= 5 && v.floats[i] <= 10000); break;
                    case Generator::TaxAmount: ASSERT_TRUE(v.floats[i] >= 0 && v.floats[i] <= 500); break;
                    case Generator::DiscountRate: ASSERT_TRUE(v.floats[i] >= 0 && v.floats[i] <= 0.5); break;
                    case Generator::PastTimestamp:
                        ASSERT_TRUE(v.ints[i] >= 0 && v.ints[i] < 2LL * 365 * 86400 * 1000000);
                        break;
                    case Generator::PromoCode: {
                        const auto code = v.text(i);
                        ASSERT_EQ(code.size(), 5u);
                        for (char ch : code) ASSERT_TRUE(ch >= 'A' && ch <= 'Z');
                        break;
                    }
                    case Generator::Choice: {
                        bool known = false;
                        for (size_t k = 0; k < spec.choice_count; ++k) known |= spec.choices[k] == v.text(i);
                        ASSERT_TRUE(known) << v.text(i);
                        break;
                    }
                    case Generator::PersonName: ASSERT_NE(v.text(i).find(' '), std::string_view::npos); break;
                    default: break;
                }
            }
        }
    }
    EXPECT_EQ(planner.schema().additions(), 10);
}

TEST(BatchPlanner, AmountsHaveTwoDecimals) {
    BatchPlanner planner(config_with(4, 2000, 500));
    BatchPlan plan;
    planner.plan_batch(plan);
    for (double v : plan.values_of(4).floats)
        EXPECT_DOUBLE_EQ(v, static_cast<double>(static_cast<int64_t>(v * 100 + 0.5)) / 100);
}

TEST(BatchPlanner, NullFractionMakesNullsInNullableColumnsOnly) {
    RunConfig c = config_with(31, 20000, 200);
    c.null_fraction = 0.25;
    validate(c);
    BatchPlanner planner(c);
    BatchPlan plan;
    size_t values = 0, nulls = 0, update_nulls = 0;
    while (!planner.finished()) {
        planner.plan_batch(plan);
        for (ColumnId id : plan.insert_columns) {
            const ColumnValues& v = plan.values_of(id);
            ASSERT_EQ(v.nulls.size(), column_spec(id).not_null ? 0u : v.size()) << column_spec(id).name;
            for (size_t i = 0; i < v.size(); ++i) nulls += v.is_null(i) ? 1 : 0;
            values += column_spec(id).not_null ? 0 : v.size();
        }
        for (size_t g = 0; g < plan.update_group_count; ++g)
            for (size_t i = 0; i < plan.update_groups[g].values.size(); ++i)
                update_nulls += plan.update_groups[g].values.is_null(i) ? 1 : 0;
    }
    EXPECT_NEAR(static_cast<double>(nulls) / static_cast<double>(values), 0.25, 0.01);
    EXPECT_GT(update_nulls, 0u) << "an update can set a column to NULL";
}

TEST(BatchPlanner, NoNullFractionMakesNoNulls) {
    BatchPlanner planner(config_with(32));
    BatchPlan plan;
    for (int i = 0; i < 50; ++i) {
        planner.plan_batch(plan);
        for (ColumnId id : plan.insert_columns) EXPECT_TRUE(plan.values_of(id).nulls.empty());
        for (size_t g = 0; g < plan.update_group_count; ++g) EXPECT_TRUE(plan.update_groups[g].values.nulls.empty());
    }
}

// A label enum_value adds is usable only once its transaction commits: the
// batch that adds it neither inserts nor sets it, later ones do.
TEST(BatchPlanner, ANewEnumLabelWaitsForTheNextBatch) {
    RunConfig c = config_with(31, 30000, 100);
    c.column_profile = ColumnProfile::AllTypes;
    c.evolution_ops = EvolutionOps::of({EvolutionOp::EnumValue});
    c.evolution_interval = 5;
    c.evolution_probability = 1;
    BatchPlanner planner(c);
    BatchPlan plan;
    while (planner.plan_snapshot_chunk(plan)) {
    }
    ColumnId enum_column = 0;
    for (ColumnId id : planner.schema().columns())
        if (column_spec(id).typed == TypedKind::Enum) enum_column = id;
    ASSERT_NE(enum_column, 0);
    std::set<std::string> used;
    size_t labels_before = kInitialEnumLabels;
    while (!planner.finished()) {
        planner.plan_batch(plan);
        std::set<std::string_view> allowed;
        for (size_t i = 0; i < labels_before; ++i) allowed.insert(enum_label(i));
        auto check = [&](const ColumnValues& v) {
            for (size_t i = 0; i < v.size(); ++i) {
                EXPECT_TRUE(allowed.count(v.text(i))) << v.text(i) << " in batch " << plan.batch_number;
                used.insert(std::string(v.text(i)));
            }
        };
        check(plan.values_of(enum_column));
        for (size_t g = 0; g < plan.update_group_count; ++g)
            if (plan.update_groups[g].column == enum_column) check(plan.update_groups[g].values);
        labels_before = planner.schema().enum_labels();
    }
    EXPECT_EQ(planner.schema().enum_labels(), kEnumLabelCount);
    EXPECT_EQ(used.size(), kEnumLabelCount) << "every label is used once it may be";
}

// A rolled-back batch changes nothing: the rows it inserted never were, the
// ones it deleted are still there, it makes no schema change, and the run
// inserts its total in committed batches.
TEST(BatchPlanner, RolledBackBatchesChangeNothing) {
    RunConfig c = config_with(41, 20000, 100);
    c.rollback_fraction = 0.3;
    c.evolution_interval = 2;
    c.evolution_probability = 1;
    BatchPlanner planner(c);
    BatchPlan plan;
    std::set<Uuid> model;
    while (planner.plan_snapshot_chunk(plan)) model.insert(plan.insert_keys.begin(), plan.insert_keys.end());
    int64_t rolled_back = 0, committed_inserts = 0;
    while (!planner.finished()) {
        planner.plan_batch(plan);
        std::set<Uuid> visible = model;
        visible.insert(plan.insert_keys.begin(), plan.insert_keys.end());
        for (const Uuid& k : plan.delete_keys) EXPECT_TRUE(visible.count(k)) << "a delete finds its row";
        for (size_t g = 0; g < plan.update_group_count; ++g)
            for (const Uuid& k : plan.update_groups[g].keys) EXPECT_TRUE(visible.count(k)) << "an update finds its row";
        if (plan.rolled_back) {
            ++rolled_back;
            EXPECT_FALSE(plan.evolution.has_value()) << "a rolled-back batch makes no schema change";
        } else {
            committed_inserts += static_cast<int64_t>(plan.insert_keys.size());
            model = visible;
            for (const Uuid& k : plan.delete_keys) model.erase(k);
        }
        ASSERT_EQ(planner.live_keys().size(), model.size()) << "batch " << plan.batch_number;
    }
    EXPECT_GT(rolled_back, 0);
    EXPECT_EQ(committed_inserts, 20000);
    // rollback_fraction 0 draws nothing: the run is the one it was.
    RunConfig plain = config_with(41, 20000, 100);
    RunConfig zero = plain;
    zero.rollback_fraction = 0;
    BatchPlanner a(plain), b(zero);
    BatchPlan pa, pb;
    while (a.plan_snapshot_chunk(pa)) b.plan_snapshot_chunk(pb);
    uint64_t ha = 0, hb = 0;
    while (!a.finished()) {
        a.plan_batch(pa);
        b.plan_batch(pb);
        ha = digest(pa, ha);
        hb = digest(pb, hb);
    }
    EXPECT_EQ(ha, hb);
}

// A savepoint's deletes are of rows the batch leaves live, and the live set
// keeps them.
TEST(BatchPlanner, SavepointDeletesLeaveTheirRows) {
    RunConfig c = config_with(43, 10000, 100);
    c.savepoint_fraction = 1;
    BatchPlanner planner(c);
    BatchPlan plan;
    while (planner.plan_snapshot_chunk(plan)) EXPECT_TRUE(plan.savepoint_keys.empty());
    size_t batches_with_savepoints = 0;
    while (!planner.finished()) {
        const size_t before = planner.live_keys().size();
        planner.plan_batch(plan);
        batches_with_savepoints += !plan.savepoint_keys.empty();
        EXPECT_EQ(planner.live_keys().size(), before + plan.insert_keys.size() - plan.delete_keys.size());
        std::set<Uuid> deleted(plan.delete_keys.begin(), plan.delete_keys.end());
        for (const Uuid& k : plan.savepoint_keys) EXPECT_EQ(deleted.count(k), 0u) << "the savepoint's rows are live";
    }
    EXPECT_GT(batches_with_savepoints, 90u);
}

// huge_every: every n-th batch inserts huge_rows rows (within the total).
TEST(BatchPlanner, EveryNthBatchIsHuge) {
    RunConfig c = config_with(44, 10000, 100);
    c.huge_every = 3;
    c.huge_rows = 1000;
    BatchPlanner planner(c);
    BatchPlan plan;
    while (planner.plan_snapshot_chunk(plan)) {
    }
    int64_t inserted = 0, huge = 0;
    while (!planner.finished()) {
        planner.plan_batch(plan);
        const int64_t rows = static_cast<int64_t>(plan.insert_keys.size());
        if (plan.batch_number % 3 == 0) {
            EXPECT_EQ(rows, std::min<int64_t>(1000, 10000 - inserted));
            ++huge;
        } else {
            EXPECT_EQ(rows, std::min<int64_t>(100, 10000 - inserted));
        }
        inserted += rows;
    }
    EXPECT_EQ(inserted, 10000);
    EXPECT_GT(huge, 3);
}
