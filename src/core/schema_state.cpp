#include "core/schema_state.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/random_source.hpp"

namespace cdccraft {
namespace {

// A name quoted as an SQL identifier, whatever it holds.
std::string quoted_identifier(std::string_view name) {
    std::string out = "\"";
    for (char c : name) out.append(c == '"' ? 2 : 1, c);
    return out + '"';
}

std::string qualified_type_name(const RunConfig& config, std::string_view suffix) {
    return quoted_identifier(config.schema_name) + "." + quoted_identifier(config.table_name + std::string(suffix));
}

bool takes_pool_column(EvolutionOp op) {
    return op == EvolutionOp::Add || op == EvolutionOp::AddDefault || op == EvolutionOp::AddNotNull ||
           op == EvolutionOp::AddVolatileDefault;
}

}  // namespace

SchemaState::SchemaState(RandomSource& rng, const RunConfig& config)
    : SchemaState(rng, config.column_profile, config.replica_identity) {
    type_names_ = std::make_shared<const TypeNames>(
        TypeNames{qualified_type_name(config, kEnumTypeSuffix), qualified_type_name(config, kDomainTypeSuffix)});
}

SchemaState::SchemaState(RandomSource& rng, ColumnProfile profile, ReplicaIdentity identity)
    : type_names_(std::make_shared<const TypeNames>(TypeNames{qualified_type_name(RunConfig{}, kEnumTypeSuffix),
                                                              qualified_type_name(RunConfig{}, kDomainTypeSuffix)})),
      identity_(identity) {
    for (ColumnId id = 0; id < kBaseColumnCount; ++id) active_.push_back(id);
    if (profile == ColumnProfile::AllTypes)
        for (ColumnId id = kFirstTypedColumn; id < kFirstTypedColumn + kTypedColumnCount; ++id) active_.push_back(id);
    for (ColumnId id = kBaseColumnCount; id < kFirstTypedColumn; ++id) pool_order_.push_back(id);
    for (size_t i = pool_order_.size(); i > 1; --i) std::swap(pool_order_[i - 1], pool_order_[rng.below(i)]);
    for (ColumnId id = 0; id < kColumnCount; ++id) state_[id].not_null = column_spec(id).not_null;
    for (ColumnId id : active_) state_[id].complete = true;
}

std::optional<ColumnId> SchemaState::enum_column() const {
    for (ColumnId id : active_)
        if (column_spec(id).typed == TypedKind::Enum) return id;
    return std::nullopt;
}

bool SchemaState::has(ColumnId id) const { return std::find(active_.begin(), active_.end(), id) != active_.end(); }

ColumnSpec SchemaState::shape(ColumnId id) const {
    ColumnSpec spec = column_spec(id);
    const ColumnState& state = state_[id];
    if (state.renamed) spec.name = renamed_column_name(id);
    if (state.widened) {
        const Widening* wider = widening_of(column_spec(id));
        spec.typed = wider->kind;
        spec.sql_type = wider->sql_type;
    }
    spec.not_null = state.not_null;
    if (spec.typed == TypedKind::Enum) {
        spec.sql_type = type_names_->enum_type;
        spec.choice_count = enum_usable_;
    }
    if (spec.typed == TypedKind::Rating) spec.sql_type = type_names_->domain_type;
    return spec;
}

size_t SchemaState::mutable_count() const {
    size_t n = 0;
    for_each_mutable([&n](ColumnId) { ++n; });
    return n;
}

std::optional<ColumnId> SchemaState::addition_of(EvolutionOp op, const RunConfig& config) const {
    if (additions_ >= config.max_additions) return std::nullopt;
    if (takes_pool_column(op)) {
        if (next_pool_ >= pool_order_.size()) return std::nullopt;
        return pool_order_[next_pool_];
    }
    if (op == EvolutionOp::AddCaseVariant) {
        if (!state_[kDurationColumn].added) return kDurationColumn;
        // Only beside duration under its own name is the case the hazard.
        if (!state_[kDurationCaseColumn].added && has(kDurationColumn) && !state_[kDurationColumn].renamed)
            return kDurationCaseColumn;
        return std::nullopt;
    }
    if (op == EvolutionOp::AddQuotedName && !state_[kQuotedNameColumn].added) return kQuotedNameColumn;
    return std::nullopt;
}

bool SchemaState::eligible(EvolutionOp op, ColumnId id, const RunConfig& config) const {
    const ColumnState& state = state_[id];
    const ColumnSpec& spec = column_spec(id);
    switch (op) {
        case EvolutionOp::Rename: return !state.renamed;
        case EvolutionOp::Widen: return spec.kind == ValueKind::Typed && widening_of(spec) != nullptr && !state.widened;
        case EvolutionOp::SetNotNull: return !state.not_null && state.complete && config.null_fraction == 0;
        case EvolutionOp::DropNotNull: return state.not_null;
        case EvolutionOp::SetDefault: return !state.has_default && !default_value_of(spec).sql.empty();
        case EvolutionOp::DropDefault: return state.has_default;
        default: return false;
    }
}

bool SchemaState::can_act(EvolutionOp op, const RunConfig& config) const {
    if (adds_column(op)) return addition_of(op, config).has_value();
    switch (op) {
        case EvolutionOp::Drop: return drops_ < config.max_drops && mutable_count() > 0;
        case EvolutionOp::ReplicaIdentity:
        case EvolutionOp::Truncate: return true;
        case EvolutionOp::EnumValue: return enum_column().has_value() && enum_labels_ < kEnumLabelCount;
        default: {
            bool any = false;
            for_each_mutable([&](ColumnId id) { any = any || eligible(op, id, config); });
            return any;
        }
    }
}

std::optional<EvolutionStep> SchemaState::step_for(EvolutionOp op, const RunConfig& config, RandomSource& rng) const {
    if (adds_column(op)) return EvolutionStep{op, *addition_of(op, config), identity_};
    switch (op) {
        case EvolutionOp::ReplicaIdentity: {
            // Either of the other two.
            std::array<ReplicaIdentity, 2> others{};
            size_t n = 0;
            for (ReplicaIdentity i : {ReplicaIdentity::Full, ReplicaIdentity::Default, ReplicaIdentity::KeyIndex})
                if (i != identity_) others[n++] = i;
            return EvolutionStep{op, 0, others[rng.below(2)]};
        }
        case EvolutionOp::Truncate: return EvolutionStep{op, 0, identity_};
        case EvolutionOp::EnumValue: return EvolutionStep{op, *enum_column(), identity_};
        default: break;
    }
    // Drop: any mutable column, as the original; the others: those the
    // operation can change.
    size_t candidates = 0;
    for_each_mutable([&](ColumnId id) { candidates += op == EvolutionOp::Drop || eligible(op, id, config); });
    size_t pick = rng.below(candidates);
    ColumnId chosen = 0;
    for_each_mutable([&](ColumnId id) {
        if ((op == EvolutionOp::Drop || eligible(op, id, config)) && pick-- == 0) chosen = id;
    });
    return EvolutionStep{op, chosen, identity_};
}

std::optional<EvolutionStep> SchemaState::evolve(int64_t batch_number, const RunConfig& config,
                                                 RandomSource& rng) const {
    const EvolutionOps ops = config.evolution_ops;
    if (!config.evolve || ops.empty() || batch_number % config.evolution_interval != 0) return std::nullopt;
    if (!rng.chance(config.evolution_probability)) return std::nullopt;
    bool enables_additions = false, enables_others = false;
    for (size_t i = 0; i < kEvolutionOpCount; ++i) {
        const auto op = static_cast<EvolutionOp>(i);
        if (ops.has(op)) (adds_column(op) ? enables_additions : enables_others) = true;
    }
    // add_probability is drawn only when both sides are enabled.
    const bool add = enables_additions && (!enables_others || rng.chance(config.add_probability));
    std::array<EvolutionOp, kEvolutionOpCount> ready{};
    size_t n = 0;
    for (size_t i = 0; i < kEvolutionOpCount; ++i) {
        const auto op = static_cast<EvolutionOp>(i);
        if (ops.has(op) && adds_column(op) == add && can_act(op, config)) ready[n++] = op;
    }
    if (n == 0) return std::nullopt;
    return step_for(n == 1 ? ready[0] : ready[rng.below(n)], config, rng);
}

void SchemaState::apply(const EvolutionStep& step) {
    ColumnState& state = state_[step.column];
    if (adds_column(step.op)) {
        if (state.added) throw std::logic_error("evolution adds a column twice");
        if (takes_pool_column(step.op)) {
            if (next_pool_ >= pool_order_.size() || pool_order_[next_pool_] != step.column)
                throw std::logic_error("evolution adds a column out of pool order");
            ++next_pool_;
        }
        active_.push_back(step.column);
        state.added = true;
        state.has_default = takes_pool_column(step.op) && step.op != EvolutionOp::Add;
        state.complete = state.has_default;
        state.not_null = step.op == EvolutionOp::AddNotNull;
        ++additions_;
        return;
    }
    switch (step.op) {
        case EvolutionOp::Drop: {
            auto it = std::find(active_.begin(), active_.end(), step.column);
            if (it == active_.end() || column_spec(step.column).is_protected)
                throw std::logic_error("evolution drops a column that cannot be dropped");
            active_.erase(it);
            ++drops_;
            return;
        }
        case EvolutionOp::Rename: state.renamed = true; return;
        case EvolutionOp::Widen: state.widened = true; return;
        case EvolutionOp::SetNotNull: state.not_null = true; return;
        case EvolutionOp::DropNotNull: state.not_null = false; return;
        case EvolutionOp::SetDefault: state.has_default = true; return;
        case EvolutionOp::DropDefault: state.has_default = false; return;
        case EvolutionOp::ReplicaIdentity: identity_ = step.identity; return;
        case EvolutionOp::EnumValue: ++enum_labels_; return;
        case EvolutionOp::Truncate:
            // The table is empty: every row to come has every column's value.
            for (ColumnId id : active_) state_[id].complete = true;
            ++truncates_;
            return;
        default: throw std::logic_error("evolution applies an unknown operation");
    }
}

}  // namespace cdccraft
