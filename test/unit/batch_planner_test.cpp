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
// a key that is not live, a key update moves a row to a key never used, and
// the live set matches the model exactly.
struct ModelCounts {
    int64_t inserts = 0, updates = 0, deletes = 0, moved = 0;
    int64_t by_kind[kUpdateKindCount] = {};
};

ModelCounts replay_against_model(const RunConfig& config, int64_t most_mutations) {
    BatchPlanner planner(config);
    BatchPlan plan;
    std::set<Uuid> table, ever;
    ModelCounts n;
    auto insert_all = [&] {
        for (const Uuid& k : plan.insert_keys) {
            EXPECT_TRUE(table.insert(k).second);
            EXPECT_TRUE(ever.insert(k).second);
        }
        n.inserts += static_cast<int64_t>(plan.insert_keys.size());
    };
    while (planner.plan_snapshot_chunk(plan)) insert_all();
    while (!planner.finished()) {
        planner.plan_batch(plan);
        insert_all();
        std::set<Uuid> touched;
        for (size_t g = 0; g < plan.update_group_count; ++g) {
            const UpdateGroup& group = plan.update_groups[g];
            n.by_kind[static_cast<size_t>(group.kind)] += static_cast<int64_t>(group.keys.size());
            for (ColumnId column : group.columns) {
                EXPECT_FALSE(column_spec(column).is_protected);
                EXPECT_TRUE(planner.schema().has(column));
            }
            const size_t columns = group.kind == UpdateKind::Key ? 0 : group.kind == UpdateKind::Columns ? 2 : 1;
            EXPECT_GE(group.columns.size(), columns);
            if (group.kind != UpdateKind::Columns) {
                EXPECT_LE(group.columns.size(), columns);
            }
            EXPECT_EQ(group.values.size(),
                      group.kind == UpdateKind::Column || group.kind == UpdateKind::Columns ? group.columns.size() : 0);
            for (const ColumnValues& v : group.values) EXPECT_EQ(v.size(), group.keys.size());
            EXPECT_EQ(group.new_keys.size(), group.kind == UpdateKind::Key ? group.keys.size() : 0);
            for (size_t i = 0; i < group.keys.size(); ++i) {
                const Uuid& k = group.keys[i];
                EXPECT_TRUE(table.count(k)) << "update of a key not live";
                EXPECT_TRUE(touched.insert(k).second) << "row updated twice in one batch";
                if (group.kind != UpdateKind::Key) continue;
                table.erase(k);
                EXPECT_TRUE(ever.insert(group.new_keys[i]).second) << "a key update reused a key";
                table.insert(group.new_keys[i]);
                touched.insert(group.new_keys[i]);
                ++n.moved;
            }
        }
        n.updates += plan.updated_rows();
        for (const Uuid& k : plan.delete_keys) EXPECT_EQ(table.erase(k), 1u) << "delete of a key not live";
        n.deletes += static_cast<int64_t>(plan.delete_keys.size());
        EXPECT_LE(static_cast<int64_t>(plan.delete_keys.size() + plan.updated_rows()), most_mutations);
    }
    EXPECT_EQ(planner.live_keys().size(), table.size());
    EXPECT_EQ(static_cast<int64_t>(table.size()), n.inserts - n.deletes);
    return n;
}

}  // namespace

TEST(BatchPlanner, MutationsTouchOnlyLiveKeys) {
    const ModelCounts n = replay_against_model(config_with(77, 40000, 200), 100);
    EXPECT_GT(n.updates, 0);
    EXPECT_GT(n.deletes, 0);
    EXPECT_EQ(n.updates, n.by_kind[static_cast<size_t>(UpdateKind::Column)]);
}

TEST(BatchPlanner, EveryUpdateKindMovesOnlyLiveRows) {
    RunConfig c = config_with(78, 40000, 200);
    c.update_kinds = parse_update_kinds("all");
    c.evolution_ops = EvolutionOps::all();
    const ModelCounts n = replay_against_model(c, 100);
    for (size_t k = 0; k < kUpdateKindCount; ++k)
        EXPECT_GT(n.by_kind[k], n.updates / 8) << update_kind_name(static_cast<UpdateKind>(k));
    EXPECT_EQ(n.moved, n.by_kind[static_cast<size_t>(UpdateKind::Key)]);
}

// "Every batch: N inserts, M updates, K deletes", as far as the live rows go.
TEST(BatchPlanner, ExactMixIsExact) {
    RunConfig c = config_with(79, 20000, 100);
    c.updates_per_batch = 30;
    c.deletes_per_batch = 20;
    c.snapshot_rows = 0;
    BatchPlanner planner(c);
    BatchPlan plan;
    int64_t live = 0;
    while (!planner.finished()) {
        planner.plan_batch(plan);
        live += 100;
        EXPECT_EQ(plan.insert_keys.size(), 100u);
        EXPECT_EQ(plan.updated_rows(), std::min<int64_t>(30, live));
        EXPECT_EQ(static_cast<int64_t>(plan.delete_keys.size()), std::min<int64_t>(20, live));
        live -= static_cast<int64_t>(plan.delete_keys.size());
    }
    c.updates_per_batch.reset();
    c.deletes_per_batch = 0;
    const ModelCounts n = replay_against_model(c, 0);
    EXPECT_EQ(n.updates + n.deletes, 0);
}

// The original's kind alone draws nothing more: every default run plans as
// before update_kinds existed.
TEST(BatchPlanner, DefaultUpdateKindsDrawAsBefore) {
    RunConfig c = config_with(80);
    RunConfig same = c;
    same.update_kinds = parse_update_kinds("column");
    EXPECT_EQ(run_digest(c), run_digest(same));
    same.update_kinds = parse_update_kinds("column,key");
    EXPECT_NE(run_digest(c), run_digest(same));
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
            for (const ColumnValues& v : plan.update_groups[g].values)
                for (size_t i = 0; i < v.size(); ++i) update_nulls += v.is_null(i) ? 1 : 0;
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
        for (size_t g = 0; g < plan.update_group_count; ++g)
            for (const ColumnValues& v : plan.update_groups[g].values) EXPECT_TRUE(v.nulls.empty());
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
            if (plan.update_groups[g].columns[0] == enum_column) check(plan.update_groups[g].values[0]);
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

// writers: each writer's planner on its own, yet together one run: shares
// that add up to total_records, the snapshot planned once, batch numbers
// interleaved and never repeated, and no key used by two writers.
TEST(BatchPlanner, WritersShareTheRunWithoutSharingAKey) {
    RunConfig c = config_with(81, 10001, 100);
    c.writers = 3;
    c.evolve = false;
    c.update_kinds = parse_update_kinds("all");
    validate(c);
    std::set<Uuid> keys;
    std::set<int64_t> batches;
    int64_t inserted = 0, snapshot = 0;
    for (int w = 0; w < 3; ++w) {
        BatchPlanner planner(c, w);
        BatchPlan plan;
        while (planner.plan_snapshot_chunk(plan)) {
            snapshot += static_cast<int64_t>(plan.insert_keys.size());
            for (const Uuid& k : plan.insert_keys) EXPECT_TRUE(keys.insert(k).second);
        }
        int64_t k = 0;
        while (!planner.finished()) {
            EXPECT_EQ(planner.next_batch_number(), k * 3 + w + 1);
            planner.plan_batch(plan);
            ++k;
            EXPECT_TRUE(batches.insert(plan.batch_number).second);
            EXPECT_EQ((plan.batch_number - 1) % 3, w);
            inserted += static_cast<int64_t>(plan.insert_keys.size());
            for (const Uuid& key : plan.insert_keys) EXPECT_TRUE(keys.insert(key).second) << "writer " << w;
            for (size_t g = 0; g < plan.update_group_count; ++g)
                for (const Uuid& key : plan.update_groups[g].new_keys) EXPECT_TRUE(keys.insert(key).second);
        }
    }
    EXPECT_EQ(inserted, 10001);
    EXPECT_EQ(snapshot, 250);
    EXPECT_THROW(BatchPlanner(c, 3), std::invalid_argument);
}

TEST(BatchPlanner, SeveralWritersNeedAFixedSchema) {
    RunConfig c = config_with(82);
    c.writers = 2;
    EXPECT_THROW(validate(c), ConfigError);
    c.evolve = false;
    EXPECT_NO_THROW(validate(c));
    c.writers = 17;
    EXPECT_THROW(validate(c), ConfigError);
}
