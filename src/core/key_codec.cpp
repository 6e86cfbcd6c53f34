#include "core/key_codec.hpp"

#include "core/random_source.hpp"

namespace cdccraft {
namespace {

// Layout (big-endian bytes): the 64 mixed bits x fill bytes 0..5, the low
// nibble of byte 6 and byte 7 (60 bits), and the low nibble of byte 8; the
// version nibble (4) and the variant bits (10) sit where RFC 4122 wants them;
// the remaining 58 bits are a salted hash of x so the UUID looks random.
uint64_t tail_bits(uint64_t x, uint64_t salt) { return splitmix64_mix(x ^ salt) & ((1ULL << 58) - 1); }

}  // namespace

KeyCodec::KeyCodec(uint64_t seed)
    : key_mask_(splitmix64_mix(seed ^ 0x6B65792D636F6465ULL)),
      tail_salt_(splitmix64_mix(seed ^ 0x7461696C2D73616CULL)) {}

Uuid KeyCodec::encode(uint64_t ordinal) const {
    const uint64_t x = splitmix64_mix(ordinal ^ key_mask_);
    const uint64_t tail = tail_bits(x, tail_salt_);
    Uuid u{};
    for (int i = 0; i < 6; ++i) u[i] = static_cast<uint8_t>(x >> (56 - 8 * i));
    u[6] = static_cast<uint8_t>(0x40 | ((x >> 12) & 0x0F));
    u[7] = static_cast<uint8_t>(x >> 4);
    u[8] = static_cast<uint8_t>(0x80 | ((tail >> 56) << 4) | (x & 0x0F));
    for (int i = 9; i < 16; ++i) u[i] = static_cast<uint8_t>(tail >> (8 * (15 - i)));
    return u;
}

std::optional<uint64_t> KeyCodec::decode(const Uuid& u) const {
    uint64_t x = 0;
    for (int i = 0; i < 6; ++i) x |= static_cast<uint64_t>(u[i]) << (56 - 8 * i);
    x |= static_cast<uint64_t>(u[6] & 0x0F) << 12;
    x |= static_cast<uint64_t>(u[7]) << 4;
    x |= static_cast<uint64_t>(u[8] & 0x0F);
    if (encode(splitmix64_unmix(x) ^ key_mask_) != u) return std::nullopt;
    return splitmix64_unmix(x) ^ key_mask_;
}

}  // namespace cdccraft
