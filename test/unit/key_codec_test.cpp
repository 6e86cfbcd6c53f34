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
