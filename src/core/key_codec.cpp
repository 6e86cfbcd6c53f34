#include "core/key_codec.hpp"

#include "core/random_source.hpp"

namespace cdccraft {
namespace {

// A salted hash of x for the bits that only make the UUID look random.
uint64_t tail_bits(uint64_t x, uint64_t salt, int bits) { return splitmix64_mix(x ^ salt) & ((1ULL << bits) - 1); }

constexpr uint64_t kCounterBits = 12;
constexpr uint64_t kEpoch2020Ms = 1577836800000ULL;
constexpr uint64_t kFiveYearsMs = 5ULL * 365 * 86400 * 1000;

}  // namespace

KeyCodec::KeyCodec(uint64_t seed, KeyOrder order)
    : order_(order),
      key_mask_(splitmix64_mix(seed ^ 0x6B65792D636F6465ULL)),
      tail_salt_(splitmix64_mix(seed ^ 0x7461696C2D73616CULL)),
      epoch_ms_(kEpoch2020Ms + splitmix64_mix(seed ^ 0x65706F63682D6D73ULL) % kFiveYearsMs) {}

Uuid KeyCodec::encode(uint64_t ordinal) const {
    return order_ == KeyOrder::Time ? encode_time(ordinal) : encode_random(ordinal);
}

// Version 4 layout (big-endian bytes): the 64 mixed bits x fill bytes 0..5,
// the low nibble of byte 6, byte 7 and the low nibble of byte 8; the version
// nibble and variant bits sit where RFC 9562 wants them; the remaining 58
// bits are a salted hash of x.
Uuid KeyCodec::encode_random(uint64_t ordinal) const {
    const uint64_t x = splitmix64_mix(ordinal ^ key_mask_);
    const uint64_t tail = tail_bits(x, tail_salt_, 58);
    Uuid u{};
    for (int i = 0; i < 6; ++i) u[i] = static_cast<uint8_t>(x >> (56 - 8 * i));
    u[6] = static_cast<uint8_t>(0x40 | ((x >> 12) & 0x0F));
    u[7] = static_cast<uint8_t>(x >> 4);
    u[8] = static_cast<uint8_t>(0x80 | ((tail >> 56) << 4) | (x & 0x0F));
    for (int i = 9; i < 16; ++i) u[i] = static_cast<uint8_t>(tail >> (8 * (15 - i)));
    return u;
}

// Version 7 layout: a 48-bit millisecond timestamp (the virtual clock at
// ordinal >> 12), the version nibble, the 12-bit counter (ordinal & 0xFFF),
// the variant bits and 62 bits of salted hash.
Uuid KeyCodec::encode_time(uint64_t ordinal) const {
    const uint64_t ms = epoch_ms_ + (ordinal >> kCounterBits);
    const uint64_t counter = ordinal & ((1ULL << kCounterBits) - 1);
    const uint64_t tail = tail_bits(ordinal, tail_salt_, 62);
    Uuid u{};
    for (int i = 0; i < 6; ++i) u[i] = static_cast<uint8_t>(ms >> (40 - 8 * i));
    u[6] = static_cast<uint8_t>(0x70 | (counter >> 8));
    u[7] = static_cast<uint8_t>(counter);
    u[8] = static_cast<uint8_t>(0x80 | (tail >> 56));
    for (int i = 9; i < 16; ++i) u[i] = static_cast<uint8_t>(tail >> (8 * (15 - i)));
    return u;
}

std::optional<uint64_t> KeyCodec::candidate_ordinal(const Uuid& u) const {
    if (order_ == KeyOrder::Time) {
        uint64_t ms = 0;
        for (int i = 0; i < 6; ++i) ms = (ms << 8) | u[i];
        if (ms < epoch_ms_) return std::nullopt;
        const uint64_t counter = (static_cast<uint64_t>(u[6] & 0x0F) << 8) | u[7];
        return ((ms - epoch_ms_) << kCounterBits) | counter;
    }
    uint64_t x = 0;
    for (int i = 0; i < 6; ++i) x |= static_cast<uint64_t>(u[i]) << (56 - 8 * i);
    x |= static_cast<uint64_t>(u[6] & 0x0F) << 12;
    x |= static_cast<uint64_t>(u[7]) << 4;
    x |= static_cast<uint64_t>(u[8] & 0x0F);
    return splitmix64_unmix(x) ^ key_mask_;
}

std::optional<uint64_t> KeyCodec::decode(const Uuid& u) const {
    const std::optional<uint64_t> ordinal = candidate_ordinal(u);
    if (!ordinal || encode(*ordinal) != u) return std::nullopt;
    return ordinal;
}

}  // namespace cdccraft
