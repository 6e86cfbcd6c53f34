// Primary keys derived from the seed and the insert ordinal.
//
// A key is a UUID that encodes its ordinal, so the live-key set stores 8-byte
// ordinals instead of 16-byte UUIDs and a table's keys map back to ordinals.
// Random keys are version-4-shaped, a bijection of the ordinal scattered
// over the key space. Time-ordered keys are version-7-shaped: a virtual
// millisecond clock and a 12-bit counter taken from the ordinal, so keys sort
// in insert order and the primary key index grows at its right edge.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

namespace cdccraft {

using Uuid = std::array<uint8_t, 16>;

enum class KeyOrder : uint8_t { Random, Time };

class KeyCodec {
public:
    explicit KeyCodec(uint64_t seed, KeyOrder order = KeyOrder::Random);

    Uuid encode(uint64_t ordinal) const;
    // The ordinal of a key this codec made; nullopt for any other UUID.
    std::optional<uint64_t> decode(const Uuid& key) const;

private:
    Uuid encode_random(uint64_t ordinal) const;
    Uuid encode_time(uint64_t ordinal) const;
    std::optional<uint64_t> candidate_ordinal(const Uuid& key) const;

    KeyOrder order_;
    uint64_t key_mask_;
    uint64_t tail_salt_;
    uint64_t epoch_ms_;  // the virtual clock's start, for time-ordered keys
};

}  // namespace cdccraft
