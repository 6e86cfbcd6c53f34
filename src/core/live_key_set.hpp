// The set of live rows, as insert ordinals, with O(1) insert, delete and
// uniform sampling: a dense vector of ordinals plus each ordinal's position.
// Memory is 8 bytes per live row plus 4 bytes per ordinal ever inserted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cdccraft {

class LiveKeySet {
public:
    void insert(uint64_t ordinal);
    // False when the ordinal is not live.
    bool erase(uint64_t ordinal);
    bool contains(uint64_t ordinal) const;
    // Every row gone at once (TRUNCATE).
    void clear();
    size_t size() const { return live_.size(); }

    // Moves k distinct live ordinals, chosen uniformly, to positions [0, k)
    // of the dense order and returns a pointer to them. Valid until the next
    // mutation. k must not exceed size().
    template <typename Rng>
    const uint64_t* sample_front(size_t k, Rng& rng) {
        for (size_t i = 0; i < k; ++i) swap_positions(i, i + rng.below(live_.size() - i));
        return live_.data();
    }

private:
    static constexpr uint32_t kAbsent = UINT32_MAX;
    void swap_positions(size_t a, size_t b);

    std::vector<uint64_t> live_;
    std::vector<uint32_t> position_;  // indexed by ordinal; kAbsent when not live
};

}  // namespace cdccraft
