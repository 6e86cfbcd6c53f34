#include "core/key_codec.hpp"

#include <gtest/gtest.h>

#include <set>

using cdccraft::KeyCodec;
using cdccraft::Uuid;

TEST(KeyCodec, RoundTripsOrdinals) {
    KeyCodec codec(99);
    for (uint64_t o = 0; o < 20000; ++o) {
        auto back = codec.decode(codec.encode(o));
        ASSERT_TRUE(back.has_value());
        ASSERT_EQ(*back, o);
    }
}

TEST(KeyCodec, KeysAreDistinctVersion4Uuids) {
    KeyCodec codec(5);
    std::set<Uuid> keys;
    for (uint64_t o = 0; o < 20000; ++o) {
        const Uuid u = codec.encode(o);
        ASSERT_EQ(u[6] >> 4, 4) << "version nibble";
        ASSERT_EQ(u[8] >> 6, 2) << "variant bits";
        ASSERT_TRUE(keys.insert(u).second);
    }
}

TEST(KeyCodec, RejectsForeignKeys) {
    KeyCodec a(1), b(2);
    EXPECT_FALSE(b.decode(a.encode(17)).has_value());
    Uuid zero{};
    EXPECT_FALSE(a.decode(zero).has_value());
}

TEST(KeyCodec, SeedChangesKeys) { EXPECT_NE(KeyCodec(1).encode(0), KeyCodec(2).encode(0)); }

TEST(KeyCodec, TimeOrderedKeysSortInInsertOrderAndRoundTrip) {
    KeyCodec codec(3, cdccraft::KeyOrder::Time);
    Uuid previous{};
    for (uint64_t o = 0; o < 20000; ++o) {
        const Uuid u = codec.encode(o);
        ASSERT_EQ(u[6] >> 4, 7) << "version nibble";
        ASSERT_EQ(u[8] >> 6, 2) << "variant bits";
        if (o > 0) {
            ASSERT_LT(previous, u) << o;
        }
        auto back = codec.decode(u);
        ASSERT_TRUE(back.has_value());
        ASSERT_EQ(*back, o);
        previous = u;
    }
}

TEST(KeyCodec, TimeOrderedKeysCarryAPlausibleTimestamp) {
    const Uuid u = KeyCodec(3, cdccraft::KeyOrder::Time).encode(0);
    uint64_t ms = 0;
    for (int i = 0; i < 6; ++i) ms = (ms << 8) | u[i];
    EXPECT_GE(ms, 1577836800000ULL);  // 2020-01-01
    EXPECT_LT(ms, 1735689600000ULL);  // 2025-01-01
}

TEST(KeyCodec, OrdersDoNotDecodeEachOther) {
    KeyCodec random(4), time(4, cdccraft::KeyOrder::Time);
    EXPECT_FALSE(time.decode(random.encode(5)).has_value());
    EXPECT_FALSE(random.decode(time.encode(5)).has_value());
}
