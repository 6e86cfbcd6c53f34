#include "core/random_source.hpp"

namespace cdccraft {
namespace {

constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ULL;

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

constexpr uint64_t kMul1 = 0xBF58476D1CE4E5B9ULL;
constexpr uint64_t kMul2 = 0x94D049BB133111EBULL;

// Inverse of an odd number modulo 2^64 by Newton's iteration.
constexpr uint64_t inverse_mod_2_64(uint64_t a) {
    uint64_t inv = a;
    for (int i = 0; i < 6; ++i) inv *= 2 - a * inv;
    return inv;
}
constexpr uint64_t kInvMul1 = inverse_mod_2_64(kMul1);
constexpr uint64_t kInvMul2 = inverse_mod_2_64(kMul2);
static_assert(kMul1 * kInvMul1 == 1 && kMul2 * kInvMul2 == 1, "inverse");

uint64_t unxorshift(uint64_t x, int shift) {
    uint64_t result = x;
    for (int i = shift; i < 64; i += shift) result = x ^ (result >> shift);
    return result;
}

}  // namespace

uint64_t splitmix64_mix(uint64_t z) {
    z = (z ^ (z >> 30)) * kMul1;
    z = (z ^ (z >> 27)) * kMul2;
    return z ^ (z >> 31);
}

uint64_t splitmix64_unmix(uint64_t z) {
    z = unxorshift(z, 31);
    z *= kInvMul2;
    z = unxorshift(z, 27);
    z *= kInvMul1;
    return unxorshift(z, 30);
}

RandomSource::RandomSource(uint64_t seed, uint64_t stream) {
    uint64_t x = seed ^ splitmix64_mix(stream + kGolden);
    for (auto& word : state_) {
        x += kGolden;
        word = splitmix64_mix(x);
    }
}

uint64_t RandomSource::next_u64() {
    const uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
}

uint64_t RandomSource::below(uint64_t bound) {
    // Lemire, "Fast Random Integer Generation in an Interval" (2019).
    unsigned __int128 m = static_cast<unsigned __int128>(next_u64()) * bound;
    uint64_t low = static_cast<uint64_t>(m);
    if (low < bound) {
        const uint64_t threshold = (0 - bound) % bound;
        while (low < threshold) {
            m = static_cast<unsigned __int128>(next_u64()) * bound;
            low = static_cast<uint64_t>(m);
        }
    }
    return static_cast<uint64_t>(m >> 64);
}

int64_t RandomSource::between(int64_t lo, int64_t hi) {
    const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
    if (span == UINT64_MAX) return static_cast<int64_t>(next_u64());
    return static_cast<int64_t>(static_cast<uint64_t>(lo) + below(span + 1));
}

double RandomSource::unit() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

bool RandomSource::chance(double p) {
    if (p <= 0.0) return false;
    if (p >= 1.0) return true;
    return unit() < p;
}

}  // namespace cdccraft
