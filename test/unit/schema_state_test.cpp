#include "core/schema_state.hpp"

#include <gtest/gtest.h>

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
