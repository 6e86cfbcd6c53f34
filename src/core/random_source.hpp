// Deterministic pseudo-random numbers for a seed.
//
// The std:: distributions are implementation-defined and differ between
// libstdc++ and libc++, so a seeded run would replay differently on another
// compiler. Every draw here is defined bit for bit: xoshiro256** seeded by
// splitmix64, Lemire's unbiased bounded integers, 53-bit doubles.
#pragma once

#include <cstdint>

namespace cdccraft {

class RandomSource {
public:
    explicit RandomSource(uint64_t seed, uint64_t stream = 0);

    uint64_t next_u64();
    // Uniform in [0, bound); bound must be > 0.
    uint64_t below(uint64_t bound);
    // Uniform in [lo, hi], inclusive; lo <= hi.
    int64_t between(int64_t lo, int64_t hi);
    // Uniform in [0, 1) with 53 bits of precision.
    double unit();
    // True with probability p (p <= 0 never, p >= 1 always).
    bool chance(double p);

private:
    uint64_t state_[4];
};

// One step of splitmix64: a bijective 64-bit mixer, also used to derive keys.
uint64_t splitmix64_mix(uint64_t x);
uint64_t splitmix64_unmix(uint64_t x);

}  // namespace cdccraft
