#include "core/live_key_set.hpp"

#include <stdexcept>
#include <utility>

namespace cdccraft {

void LiveKeySet::insert(uint64_t ordinal) {
    if (live_.size() >= kAbsent) throw std::length_error("live key set is full (2^32-1 rows)");
    if (ordinal >= position_.size()) position_.resize(ordinal + 1, kAbsent);
    if (position_[ordinal] != kAbsent) return;
    position_[ordinal] = static_cast<uint32_t>(live_.size());
    live_.push_back(ordinal);
}

void LiveKeySet::clear() {
    for (uint64_t ordinal : live_) position_[ordinal] = kAbsent;
    live_.clear();
}

bool LiveKeySet::erase(uint64_t ordinal) {
    if (!contains(ordinal)) return false;
    const uint32_t at = position_[ordinal];
    const uint64_t last = live_.back();
    live_[at] = last;
    position_[last] = at;
    live_.pop_back();
    position_[ordinal] = kAbsent;
    return true;
}

bool LiveKeySet::contains(uint64_t ordinal) const {
    return ordinal < position_.size() && position_[ordinal] != kAbsent;
}

void LiveKeySet::swap_positions(size_t a, size_t b) {
    if (a == b) return;
    std::swap(live_[a], live_[b]);
    position_[live_[a]] = static_cast<uint32_t>(a);
    position_[live_[b]] = static_cast<uint32_t>(b);
}

}  // namespace cdccraft
