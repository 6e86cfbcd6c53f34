#include "core/schema_state.hpp"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>

#include "core/random_source.hpp"

using namespace cdccraft;

namespace {
RunConfig always_evolving(double add_probability) {
    RunConfig c;
    c.evolution_interval = 1;
    c.evolution_probability = 1.0;
    c.add_probability = add_probability;
    validate(c);
    return c;
}
}  // namespace

TEST(SchemaState, StartsWithTheOriginalsColumns) {
    RandomSource rng(1);
    SchemaState s(rng);
    ASSERT_EQ(s.columns().size(), kBaseColumnCount);
    EXPECT_EQ(column_spec(s.columns()[0]).name, "id");
    EXPECT_EQ(column_spec(s.columns()[7]).name, "updated_at");
    EXPECT_EQ(s.mutable_count(), 5u);
}

TEST(SchemaState, AdditionsStopAtTheLimit) {
    RunConfig c = always_evolving(1.0);
    RandomSource rng(2);
    SchemaState s(rng);
    for (int64_t batch = 1; batch <= 100; ++batch)
        if (auto step = s.evolve(batch, c, rng)) s.apply(*step);
    EXPECT_EQ(s.additions(), 7);
    EXPECT_EQ(s.drops(), 0);
    EXPECT_EQ(s.columns().size(), kBaseColumnCount + 7);
}

TEST(SchemaState, DropsStopAtTheLimitAndSpareProtectedColumns) {
    RunConfig c = always_evolving(0.0);
    c.max_drops = 15;
    RandomSource rng(3);
    SchemaState s(rng);
    for (int64_t batch = 1; batch <= 100; ++batch)
        if (auto step = s.evolve(batch, c, rng)) s.apply(*step);
    EXPECT_EQ(s.drops(), 5);  // every mutable base column, then nothing left to drop
    ASSERT_EQ(s.columns().size(), 3u);
    for (ColumnId id : s.columns()) EXPECT_TRUE(column_spec(id).is_protected);
}

TEST(SchemaState, OnlyEveryIntervalthBatchEvolves) {
    RunConfig c = always_evolving(1.0);
    c.evolution_interval = 25;
    RandomSource rng(4);
    SchemaState s(rng);
    for (int64_t batch = 1; batch <= 100; ++batch) {
        auto step = s.evolve(batch, c, rng);
        EXPECT_EQ(step.has_value(), batch % 25 == 0) << batch;
        if (step) s.apply(*step);
    }
}

TEST(SchemaState, DisabledEvolutionNeverChangesTheSchema) {
    RunConfig c = always_evolving(0.5);
    c.evolve = false;
    RandomSource rng(5);
    SchemaState s(rng);
    for (int64_t batch = 1; batch <= 1000; ++batch) EXPECT_FALSE(s.evolve(batch, c, rng).has_value());
}

// '{all}' on the all_types table without NULLs: every family acts, each
// step is one the schema can take, and renames, widenings and additions
// happen at most once per column.
TEST(SchemaState, EveryFamilyActsAndEachStepApplies) {
    RunConfig c = always_evolving(0.3);
    c.column_profile = ColumnProfile::AllTypes;
    c.evolution_ops = EvolutionOps::all();
    c.max_additions = 10;
    c.max_drops = 15;
    RandomSource rng(8);
    SchemaState s(rng, c.column_profile);
    std::array<int, kEvolutionOpCount> seen{};
    std::set<ColumnId> renamed;
    for (int64_t batch = 1; batch <= 600; ++batch) {
        // None when add_probability picks the additions and they are spent.
        const auto step = s.evolve(batch, c, rng);
        if (!step) continue;
        ++seen[static_cast<size_t>(step->op)];
        if (step->op == EvolutionOp::Rename) {
            EXPECT_TRUE(renamed.insert(step->column).second) << "a column is renamed once";
            EXPECT_TRUE(s.has(step->column));
        }
        if (step->op == EvolutionOp::SetNotNull) {
            EXPECT_FALSE(s.shape(step->column).not_null);
        }
        if (step->op == EvolutionOp::DropNotNull) {
            EXPECT_TRUE(s.shape(step->column).not_null);
        }
        if (step->op == EvolutionOp::ReplicaIdentity) {
            EXPECT_NE(step->identity, s.identity());
        }
        ASSERT_NO_THROW(s.apply(*step)) << evolution_op_name(step->op);
        if (step->op == EvolutionOp::Rename) {
            EXPECT_EQ(s.shape(step->column).name, std::string(column_spec(step->column).name) + "_renamed");
        }
        if (step->op == EvolutionOp::Widen) {
            EXPECT_NE(s.shape(step->column).sql_type, column_spec(step->column).sql_type);
        }
    }
    for (size_t i = 0; i < kEvolutionOpCount; ++i)
        EXPECT_GT(seen[i], 0) << evolution_op_name(static_cast<EvolutionOp>(i));
    EXPECT_EQ(s.additions(), 10);
    EXPECT_GT(s.truncates(), 0);
}

// SET NOT NULL needs a column every row holds a value in: never when the
// run makes NULLs, never on a column added without a DEFAULT.
TEST(SchemaState, SetNotNullOnlyWhereNoRowHoldsNull) {
    RunConfig c = always_evolving(0.5);
    c.evolution_ops = EvolutionOps::of({EvolutionOp::Add, EvolutionOp::SetNotNull});
    RandomSource rng(3);
    SchemaState s(rng);
    std::set<ColumnId> added;
    for (int64_t batch = 1; batch <= 200; ++batch) {
        const auto step = s.evolve(batch, c, rng);
        if (!step) continue;
        if (step->op == EvolutionOp::Add) added.insert(step->column);
        if (step->op == EvolutionOp::SetNotNull) {
            EXPECT_EQ(added.count(step->column), 0u) << "added without DEFAULT";
        }
        s.apply(*step);
    }
    c.null_fraction = 0.1;
    c.evolution_ops = EvolutionOps::of({EvolutionOp::SetNotNull});
    for (int64_t batch = 1; batch <= 50; ++batch) EXPECT_FALSE(s.evolve(batch, c, rng).has_value());
}

// One family alone is drawn without add_probability: each evolution point acts.
TEST(SchemaState, OneFamilyAloneActsAtEveryPoint) {
    RunConfig c = always_evolving(0.9);
    c.evolution_ops = EvolutionOps::of({EvolutionOp::Truncate});
    RandomSource rng(5);
    SchemaState s(rng);
    for (int64_t batch = 1; batch <= 20; ++batch) {
        const auto step = s.evolve(batch, c, rng);
        ASSERT_TRUE(step.has_value());
        EXPECT_EQ(step->op, EvolutionOp::Truncate);
        s.apply(*step);
    }
    EXPECT_EQ(s.truncates(), 20);
}
