#include "core/schema_state.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/random_source.hpp"

namespace cdccraft {

SchemaState::SchemaState(RandomSource& rng, ColumnProfile profile) {
    for (ColumnId id = 0; id < kBaseColumnCount; ++id) active_.push_back(id);
    if (profile == ColumnProfile::AllTypes)
        for (ColumnId id = kFirstTypedColumn; id < kColumnCount; ++id) active_.push_back(id);
    for (ColumnId id = kBaseColumnCount; id < kFirstTypedColumn; ++id) pool_order_.push_back(id);
    for (size_t i = pool_order_.size(); i > 1; --i) std::swap(pool_order_[i - 1], pool_order_[rng.below(i)]);
}

bool SchemaState::has(ColumnId id) const { return std::find(active_.begin(), active_.end(), id) != active_.end(); }

size_t SchemaState::mutable_count() const {
    size_t n = 0;
    for_each_mutable([&n](ColumnId) { ++n; });
    return n;
}

std::optional<EvolutionStep> SchemaState::evolve(int64_t batch_number, const RunConfig& config, RandomSource& rng) {
    if (!config.evolve || batch_number % config.evolution_interval != 0) return std::nullopt;
    if (!rng.chance(config.evolution_probability)) return std::nullopt;
    if (rng.chance(config.add_probability)) {
        if (additions_ >= config.max_additions || next_pool_ >= pool_order_.size()) return std::nullopt;
        return EvolutionStep{EvolutionAction::Add, pool_order_[next_pool_]};
    }
    const size_t candidates = mutable_count();
    if (drops_ >= config.max_drops || candidates == 0) return std::nullopt;
    size_t pick = rng.below(candidates);
    ColumnId chosen = 0;
    for_each_mutable([&](ColumnId id) {
        if (pick-- == 0) chosen = id;
    });
    return EvolutionStep{EvolutionAction::Drop, chosen};
}

void SchemaState::apply(const EvolutionStep& step) {
    if (step.action == EvolutionAction::Add) {
        if (next_pool_ >= pool_order_.size() || pool_order_[next_pool_] != step.column)
            throw std::logic_error("evolution adds a column out of pool order");
        active_.push_back(step.column);
        ++next_pool_;
        ++additions_;
    } else {
        auto it = std::find(active_.begin(), active_.end(), step.column);
        if (it == active_.end() || column_spec(step.column).is_protected)
            throw std::logic_error("evolution drops a column that cannot be dropped");
        active_.erase(it);
        ++drops_;
    }
}

}  // namespace cdccraft
