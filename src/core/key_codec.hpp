// Primary keys derived from the seed and the insert ordinal.
//
// A key is a version-4-shaped UUID that encodes a bijection of its ordinal,
// so the live-key set stores 8-byte ordinals instead of 16-byte UUIDs and a
// resumed run can map the table's keys back to ordinals.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

namespace cdccraft {

using Uuid = std::array<uint8_t, 16>;

class KeyCodec {
public:
    explicit KeyCodec(uint64_t seed);

    Uuid encode(uint64_t ordinal) const;
    // The ordinal of a key this codec made; nullopt for any other UUID.
    std::optional<uint64_t> decode(const Uuid& key) const;

private:
    uint64_t key_mask_;
    uint64_t tail_salt_;
};

}  // namespace cdccraft
