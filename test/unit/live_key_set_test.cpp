#include "core/live_key_set.hpp"

#include <gtest/gtest.h>

#include <set>

#include "core/random_source.hpp"

using cdccraft::LiveKeySet;
using cdccraft::RandomSource;

TEST(LiveKeySet, InsertEraseContains) {
    LiveKeySet set;
    for (uint64_t o = 0; o < 10; ++o) set.insert(o);
    EXPECT_EQ(set.size(), 10u);
    EXPECT_TRUE(set.erase(3));
    EXPECT_FALSE(set.erase(3));
    EXPECT_FALSE(set.contains(3));
    EXPECT_TRUE(set.contains(9));
    EXPECT_FALSE(set.contains(1000));
    EXPECT_EQ(set.size(), 9u);
}

TEST(LiveKeySet, SampleIsDistinctAndLive) {
    LiveKeySet set;
    RandomSource rng(11);
    for (uint64_t o = 0; o < 1000; ++o) set.insert(o);
    for (uint64_t o = 0; o < 1000; o += 3) set.erase(o);
    for (int round = 0; round < 100; ++round) {
        const size_t k = 1 + rng.below(set.size());
        const uint64_t* picked = set.sample_front(k, rng);
        std::set<uint64_t> distinct(picked, picked + k);
        ASSERT_EQ(distinct.size(), k);
        for (uint64_t o : distinct) ASSERT_TRUE(set.contains(o));
    }
}

TEST(LiveKeySet, SampleCoversAllMembers) {
    LiveKeySet set;
    RandomSource rng(12);
    for (uint64_t o = 0; o < 50; ++o) set.insert(o);
    std::set<uint64_t> seen;
    for (int i = 0; i < 2000; ++i) seen.insert(*set.sample_front(1, rng));
    EXPECT_EQ(seen.size(), 50u);
}
