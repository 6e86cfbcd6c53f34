// The simulated table's columns as they stand, in table order, and the
// evolution policy that adds and drops them.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/column_catalog.hpp"
#include "core/run_config.hpp"

namespace cdccraft {

class RandomSource;

enum class EvolutionAction : uint8_t { Add, Drop };

struct EvolutionStep {
    EvolutionAction action;
    ColumnId column;
};

class SchemaState {
public:
    // The original's base columns (and the typed ones of 'all_types'); the
    // pool shuffled by rng, added in that order.
    SchemaState(RandomSource& rng, ColumnProfile profile = ColumnProfile::Basic);

    const std::vector<ColumnId>& columns() const { return active_; }
    bool has(ColumnId id) const;
    int additions() const { return additions_; }
    int drops() const { return drops_; }

    // Columns that updates may set and evolution may drop.
    template <typename Fn>
    void for_each_mutable(Fn&& fn) const {
        for (ColumnId id : active_)
            if (!column_spec(id).is_protected) fn(id);
    }
    size_t mutable_count() const;

    // The original's policy: every interval-th batch, with the configured
    // probability, add the next pool column (add_probability) or drop a
    // random mutable column, within max_additions and max_drops.
    std::optional<EvolutionStep> evolve(int64_t batch_number, const RunConfig& config, RandomSource& rng);

    void apply(const EvolutionStep& step);

private:
    std::vector<ColumnId> active_;
    std::vector<ColumnId> pool_order_;
    size_t next_pool_ = 0;
    int additions_ = 0;
    int drops_ = 0;
};

}  // namespace cdccraft
