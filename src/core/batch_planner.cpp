#include "core/batch_planner.hpp"

#include <algorithm>
#include <stdexcept>

namespace cdccraft {
namespace {

constexpr uint64_t kControlStream = 1;
constexpr uint64_t kValueStream = 2;
constexpr uint64_t kSchemaStream = 3;

// Every writer's table is the same one.
SchemaState initial_schema(const RunConfig& config) {
    RandomSource rng(config.seed, kSchemaStream);
    return SchemaState(rng, config);
}

// Writer 0's streams are the ones a run of one writer always drew from.
uint64_t writer_stream(uint64_t stream, int writer) { return stream + 4 * static_cast<uint64_t>(writer); }

int64_t share_of(int64_t total, int writer, int64_t writers) {
    return total / writers + (writer < total % writers ? 1 : 0);
}

}  // namespace

int64_t BatchPlan::updated_rows() const {
    int64_t n = 0;
    for (size_t g = 0; g < update_group_count; ++g) n += static_cast<int64_t>(update_groups[g].keys.size());
    return n;
}

BatchPlanner::BatchPlanner(const RunConfig& config, int writer)
    : config_(config),
      writer_(static_cast<uint64_t>(writer)),
      writers_(static_cast<uint64_t>(config.writers)),
      records_share_(share_of(config.total_records, writer, config.writers)),
      snapshot_share_(writer == 0 ? config.snapshot_rows : 0),
      control_(config.seed, writer_stream(kControlStream, writer)),
      values_(config.seed, writer_stream(kValueStream, writer)),
      codec_(config.seed, config.key_order),
      schema_(initial_schema(config)) {
    if (writer < 0 || writer >= config.writers) throw std::invalid_argument("no such writer");
    enabled_kind_count_ = config_.update_kinds.list(enabled_kinds_);
}

NameSpellings& BatchPlanner::name_spellings_before_planning() {
    if (snapshot_planned_ > 0 || batches_planned_ > 0)
        throw std::logic_error("names cannot be respelled once a run has planned rows");
    return names_;
}

bool BatchPlanner::finished() const { return config_.total_records > 0 && records_planned_ >= records_share_; }

bool BatchPlanner::plan_snapshot_chunk(BatchPlan& plan) {
    const int64_t rows = std::min(config_.batch_size, snapshot_share_ - snapshot_planned_);
    if (rows <= 0) return false;
    plan.batch_number = 0;
    plan.rolled_back = false;
    plan.prepared = false;
    plan.splits_partition = false;
    plan.savepoint_keys.clear();
    plan.emits_message = false;
    plan.emits_nontransactional_message = false;
    plan.evolution.reset();
    plan.delete_keys.clear();
    plan.update_group_count = 0;
    plan_inserts(plan, rows);
    snapshot_planned_ += rows;
    return true;
}

void BatchPlanner::plan_batch(BatchPlan& plan) {
    plan.batch_number = next_batch_number();
    ++batches_planned_;
    schema_.begin_batch();
    // Drawn only when asked for, so that other runs draw as before.
    plan.rolled_back = config_.rollback_fraction > 0 && control_.chance(config_.rollback_fraction);
    plan.prepared = config_.prepare_fraction > 0 && control_.chance(config_.prepare_fraction);
    plan.splits_partition =
        config_.partitioning == Partitioning::Range && plan.batch_number % config_.partition_every == 0;
    plan.emits_message = config_.emit_messages;
    plan.emits_nontransactional_message = config_.nontransactional_messages;
    plan.evolution.reset();
    if (!plan.rolled_back) plan.evolution = schema_.evolve(plan.batch_number, config_, control_);
    if (plan.evolution) {
        schema_.apply(*plan.evolution);
        if (plan.evolution->op == EvolutionOp::Truncate) live_.clear();
    }

    // A huge batch (huge_every) inserts more than logical_decoding_work_mem
    // holds; its updates and deletes are a batch's as ever.
    const bool huge = config_.huge_every > 0 && plan.batch_number % config_.huge_every == 0;
    int64_t rows = huge ? config_.huge_rows : config_.batch_size;
    if (config_.total_records > 0) rows = std::min(rows, records_share_ - records_planned_);
    const uint64_t first_new_ordinal = next_ordinal_;
    deleted_.clear();
    plan_inserts(plan, rows);
    plan_mutation(plan);
    plan.savepoint_keys.clear();
    if (plan.rolled_back) {
        undo_in_live_set(first_new_ordinal);
        return;
    }
    plan_savepoint(plan);
    records_planned_ += rows;
}

// After the batch's own statements: deletes of 1 .. batch_size/2 live rows
// inside a savepoint rolled back, so the live set keeps them.
void BatchPlanner::plan_savepoint(BatchPlan& plan) {
    if (config_.savepoint_fraction <= 0 || !control_.chance(config_.savepoint_fraction)) return;
    const int64_t most = std::max<int64_t>(1, config_.batch_size / 2);
    const size_t rows = std::min<size_t>(static_cast<size_t>(control_.between(1, most)), live_.size());
    const uint64_t* chosen = live_.sample_front(rows, control_);
    for (size_t i = 0; i < rows; ++i) plan.savepoint_keys.push_back(key_of(chosen[i]));
}

// A rolled-back batch's rows never were: its inserts leave the live set, the
// rows it deleted that were there before come back. Their keys are not used
// again.
void BatchPlanner::undo_in_live_set(uint64_t first_new_ordinal) {
    for (uint64_t ordinal = first_new_ordinal; ordinal < next_ordinal_; ++ordinal) live_.erase(ordinal);
    for (uint64_t ordinal : deleted_)
        if (ordinal < first_new_ordinal) live_.insert(ordinal);
}

uint64_t BatchPlanner::fresh_ordinal() {
    if (static_cast<int64_t>(next_ordinal_) >= kMaxRunRows)
        throw std::length_error("the run has used 2^40 keys, the most a run may use");
    return next_ordinal_++;
}

void BatchPlanner::plan_inserts(BatchPlan& plan, int64_t rows) {
    if (static_cast<int64_t>(next_ordinal_) + rows > kMaxRunRows)
        throw std::length_error("the run has used 2^40 keys, the most a run may use");
    plan.insert_keys.clear();
    for (int64_t i = 0; i < rows; ++i) {
        plan.insert_keys.push_back(key_of(next_ordinal_));
        live_.insert(next_ordinal_++);
    }
    plan.insert_columns.clear();
    for (ColumnId id : schema_.columns()) {
        const ColumnSpec spec = schema_.shape(id);
        if (spec.generator == Generator::Key || spec.generator == Generator::ServerDefault) continue;
        plan.insert_columns.push_back(id);
        ColumnValues& out = plan.insert_values[id];
        out.reset(spec.kind);
        generate_values(spec, static_cast<size_t>(rows), config_.null_fraction, values_, names_, out);
    }
}

// Either the original's draw (mutation_probability: an update or a delete
// of 1 .. batch_size/2 rows) or, with updates_per_batch or deletes_per_batch,
// exactly that many of each, as far as the live rows go.
void BatchPlanner::plan_mutation(BatchPlan& plan) {
    plan.delete_keys.clear();
    plan.update_group_count = 0;
    if (config_.updates_per_batch || config_.deletes_per_batch) {
        const size_t updates =
            std::min<size_t>(static_cast<size_t>(config_.updates_per_batch.value_or(0)), live_.size());
        if (updates > 0) plan_update(plan, updates);
        const size_t deletes =
            std::min<size_t>(static_cast<size_t>(config_.deletes_per_batch.value_or(0)), live_.size());
        if (deletes > 0) plan_delete(plan, deletes);
        return;
    }
    if (!control_.chance(config_.mutation_probability)) return;
    const bool update = control_.chance(config_.update_probability);
    const int64_t most = std::max<int64_t>(1, config_.batch_size / 2);
    const size_t rows = std::min<size_t>(static_cast<size_t>(control_.between(1, most)), live_.size());
    if (rows == 0) return;
    if (update)
        plan_update(plan, rows);
    else
        plan_delete(plan, rows);
}

UpdateGroup& BatchPlanner::new_update_group(BatchPlan& plan, UpdateKind kind, size_t columns) {
    if (plan.update_groups.size() <= plan.update_group_count) plan.update_groups.emplace_back();
    UpdateGroup& group = plan.update_groups[plan.update_group_count++];
    group.kind = kind;
    group.columns.clear();
    group.keys.clear();
    group.new_keys.clear();
    group.values.resize(columns);
    return group;
}

// Each row takes one of the enabled kinds that can act on the table now
// (drawn only when several are enabled, so that the original's runs draw as
// before). Column: one random mutable column, rows setting the same column
// forming a group; Columns: a set of two or more drawn once per batch;
// SameValue: one column drawn once per batch, set to itself; Key: a new key.
void BatchPlanner::plan_update(BatchPlan& plan, size_t rows) {
    mutable_columns_.clear();
    schema_.for_each_mutable([this](ColumnId id) {
        mutable_columns_.push_back(id);
        shapes_[id] = schema_.shape(id);
    });
    UpdateKind usable[kUpdateKindCount];
    size_t usable_count = 0;
    for (size_t i = 0; i < enabled_kind_count_; ++i) {
        const UpdateKind kind = enabled_kinds_[i];
        const size_t needs = kind == UpdateKind::Key ? 0 : kind == UpdateKind::Columns ? 2 : 1;
        if (mutable_columns_.size() >= needs) usable[usable_count++] = kind;
    }
    if (usable_count == 0) return;

    group_of_column_.fill(-1);
    int16_t columns_group = -1, same_group = -1, key_group = -1;
    const uint64_t* chosen = live_.sample_front(rows, control_);
    // Copied: a key update reorders the dense array that chosen points into.
    scratch_.assign(chosen, chosen + rows);
    for (uint64_t ordinal : scratch_) {
        const UpdateKind kind = enabled_kind_count_ == 1 ? usable[0] : usable[control_.below(usable_count)];
        const Uuid key = key_of(ordinal);
        switch (kind) {
            case UpdateKind::Column: {
                const ColumnId column = mutable_columns_[control_.below(mutable_columns_.size())];
                if (group_of_column_[column] < 0) {
                    group_of_column_[column] = static_cast<int16_t>(plan.update_group_count);
                    UpdateGroup& group = new_update_group(plan, kind, 1);
                    group.columns.push_back(column);
                    group.values[0].reset(shapes_[column].kind);
                }
                UpdateGroup& group = plan.update_groups[group_of_column_[column]];
                group.keys.push_back(key);
                generate_values(shapes_[column], 1, config_.null_fraction, values_, names_, group.values[0]);
                break;
            }
            case UpdateKind::Columns: {
                if (columns_group < 0) {
                    const size_t n =
                        static_cast<size_t>(control_.between(2, static_cast<int64_t>(mutable_columns_.size())));
                    columns_group = static_cast<int16_t>(plan.update_group_count);
                    UpdateGroup& group = new_update_group(plan, kind, n);
                    std::vector<ColumnId> pool = mutable_columns_;
                    for (size_t i = 0; i < n; ++i) std::swap(pool[i], pool[i + control_.below(pool.size() - i)]);
                    group.columns.assign(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(n));
                    std::sort(group.columns.begin(), group.columns.end());
                    for (size_t i = 0; i < n; ++i) group.values[i].reset(shapes_[group.columns[i]].kind);
                }
                UpdateGroup& group = plan.update_groups[columns_group];
                group.keys.push_back(key);
                for (size_t i = 0; i < group.columns.size(); ++i)
                    generate_values(shapes_[group.columns[i]], 1, config_.null_fraction, values_, names_,
                                    group.values[i]);
                break;
            }
            case UpdateKind::SameValue: {
                if (same_group < 0) {
                    same_group = static_cast<int16_t>(plan.update_group_count);
                    UpdateGroup& group = new_update_group(plan, kind, 0);
                    group.columns.push_back(mutable_columns_[control_.below(mutable_columns_.size())]);
                }
                plan.update_groups[same_group].keys.push_back(key);
                break;
            }
            case UpdateKind::Key: {
                if (key_group < 0) {
                    key_group = static_cast<int16_t>(plan.update_group_count);
                    new_update_group(plan, kind, 0);
                }
                UpdateGroup& group = plan.update_groups[key_group];
                const uint64_t moved_to = fresh_ordinal();
                group.keys.push_back(key);
                group.new_keys.push_back(key_of(moved_to));
                live_.erase(ordinal);
                live_.insert(moved_to);
                if (plan.rolled_back) deleted_.push_back(ordinal);
                break;
            }
        }
    }
}

void BatchPlanner::plan_delete(BatchPlan& plan, size_t rows) {
    const uint64_t* chosen = live_.sample_front(rows, control_);
    // Copy first: erasing reorders the dense array that chosen points into.
    scratch_.assign(chosen, chosen + rows);
    for (uint64_t ordinal : scratch_) {
        plan.delete_keys.push_back(key_of(ordinal));
        live_.erase(ordinal);
    }
    if (plan.rolled_back) deleted_.insert(deleted_.end(), scratch_.begin(), scratch_.end());
}

}  // namespace cdccraft
