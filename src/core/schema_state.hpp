// The simulated table as it stands: its columns in table order, each with
// its name, type and nullability as evolution left them, its replica
// identity, and the evolution policy that changes them (evolution_ops).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/column_catalog.hpp"
#include "core/evolution_ops.hpp"
#include "core/run_config.hpp"

namespace cdccraft {

class RandomSource;

struct EvolutionStep {
    EvolutionOp op = EvolutionOp::Add;
    ColumnId column = 0;                               // none for ReplicaIdentity and Truncate
    ReplicaIdentity identity = ReplicaIdentity::Full;  // ReplicaIdentity: the new one
};

class SchemaState {
public:
    // The original's base columns (and the typed ones of 'all_types') under
    // the run's replica identity; the pool shuffled by rng, added in that
    // order.
    SchemaState(RandomSource& rng, ColumnProfile profile = ColumnProfile::Basic,
                ReplicaIdentity identity = ReplicaIdentity::Full);
    // The same for a run's configuration, whose table names the run's own
    // types (all_types' enum and domain).
    SchemaState(RandomSource& rng, const RunConfig& config);

    const std::vector<ColumnId>& columns() const { return active_; }
    bool has(ColumnId id) const;
    // The column as it stands: its catalog spec with the name, type, value
    // kind and NOT NULL that evolution gave it.
    ColumnSpec shape(ColumnId id) const;
    bool has_default(ColumnId id) const { return state_[id].has_default; }
    // The run's enum type and domain, schema-qualified and quoted.
    const std::string& enum_type() const { return type_names_->enum_type; }
    const std::string& domain_type() const { return type_names_->domain_type; }
    // The enum's labels so far; the newest, added by enum_value, is not
    // usable before its transaction commits.
    size_t enum_labels() const { return enum_labels_; }
    // A new batch: the labels added before it are committed, and usable.
    void begin_batch() { enum_usable_ = enum_labels_; }
    ReplicaIdentity identity() const { return identity_; }
    int additions() const { return additions_; }
    int drops() const { return drops_; }
    int truncates() const { return truncates_; }

    // Columns that updates may set and evolution may change.
    template <typename Fn>
    void for_each_mutable(Fn&& fn) const {
        for (ColumnId id : active_)
            if (!column_spec(id).is_protected) fn(id);
    }
    size_t mutable_count() const;

    // The original's policy, over the families evolution_ops enables: every
    // interval-th batch, with the configured probability, one operation.
    // add_probability chooses between the families that add a column and
    // the others; among those that can act then, one is picked uniformly
    // (with one, nothing is drawn, so '{add,drop}' draws as the original
    // did). Additions stop at max_additions, drops at max_drops.
    std::optional<EvolutionStep> evolve(int64_t batch_number, const RunConfig& config, RandomSource& rng) const;

    void apply(const EvolutionStep& step);

private:
    struct ColumnState {
        bool renamed = false;
        bool widened = false;
        bool not_null = false;
        bool has_default = false;
        bool added = false;
        // Every row holds a value (a column there from the start, or added
        // with a DEFAULT): SET NOT NULL can succeed when the run makes no
        // NULLs.
        bool complete = false;
    };

    std::optional<ColumnId> addition_of(EvolutionOp op, const RunConfig& config) const;
    bool can_act(EvolutionOp op, const RunConfig& config) const;
    std::optional<EvolutionStep> step_for(EvolutionOp op, const RunConfig& config, RandomSource& rng) const;
    bool eligible(EvolutionOp op, ColumnId id, const RunConfig& config) const;
    std::optional<ColumnId> enum_column() const;

    struct TypeNames {
        std::string enum_type, domain_type;
    };

    // Shared: shape() hands out views of them, which outlive copies.
    std::shared_ptr<const TypeNames> type_names_;
    size_t enum_labels_ = kInitialEnumLabels;
    size_t enum_usable_ = kInitialEnumLabels;
    std::vector<ColumnId> active_;
    std::vector<ColumnId> pool_order_;
    std::array<ColumnState, kColumnCount> state_{};
    size_t next_pool_ = 0;
    int additions_ = 0;
    int drops_ = 0;
    int truncates_ = 0;
    ReplicaIdentity identity_;
};

}  // namespace cdccraft
