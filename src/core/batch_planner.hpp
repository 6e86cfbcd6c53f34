// Plans each batch of a run: its schema change, the rows it inserts, and the
// existing rows it updates or deletes. Deterministic for a configuration and
// seed; the PostgreSQL side only executes what is planned here.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/column_values.hpp"
#include "core/key_codec.hpp"
#include "core/live_key_set.hpp"
#include "core/name_spelling.hpp"
#include "core/random_source.hpp"
#include "core/run_config.hpp"
#include "core/schema_state.hpp"

namespace cdccraft {

// The rows of a batch updated the same way, executed as one statement:
// Column and SameValue name one column, Columns several (values holds one
// ColumnValues per column, in columns' order), Key none (new_keys holds
// each row's new key).
struct UpdateGroup {
    UpdateKind kind = UpdateKind::Column;
    std::vector<ColumnId> columns;
    std::vector<Uuid> keys;
    std::vector<ColumnValues> values;
    std::vector<Uuid> new_keys;
};

struct BatchPlan {
    int64_t batch_number = 0;  // 0 for the snapshot
    // Written whole, then rolled back (rollback_fraction): it changes
    // nothing, and makes no schema change.
    bool rolled_back = false;
    // PREPAREd, then COMMIT PREPARED, or ROLLBACK PREPARED if rolled back
    // (prepare_fraction).
    bool prepared = false;
    // Splits the newest partition off (partitioning range, every
    // partition_every-th batch), before its rows.
    bool splits_partition = false;
    std::optional<EvolutionStep> evolution;

    // Inserted rows: keys, then one ColumnValues per generated column, in
    // insert_columns order (the table's generated columns after evolution).
    std::vector<Uuid> insert_keys;
    std::vector<ColumnId> insert_columns;
    std::array<ColumnValues, kColumnCount> insert_values;

    std::vector<Uuid> delete_keys;
    std::vector<UpdateGroup> update_groups;  // only [0, update_group_count) are in use
    // Deleted inside a savepoint rolled back at the batch's end
    // (savepoint_fraction): the rows stay.
    std::vector<Uuid> savepoint_keys;
    // Ends with a transactional logical decoding message (emit_messages).
    bool emits_message = false;
    // Begins with a non-transactional one (nontransactional_messages), which
    // a rolled-back batch emits too.
    bool emits_nontransactional_message = false;
    size_t update_group_count = 0;

    const ColumnValues& values_of(ColumnId column) const { return insert_values[column]; }
    int64_t updated_rows() const;
};

// With writers > 1 each writer has a planner of its own (writer 0 .. writers
// - 1), independent of the others: its own draws, its own share of
// total_records (writer 0 plans the snapshot too), its own live rows, keys
// that no other writer's can equal (ordinals interleaved), and batch numbers
// interleaved: writer w's k-th batch is (k - 1) * writers + w + 1. So no key
// is ever handed to two writers, and the run's batches number it whole.
// Writer 0 of a run of one writer plans exactly what a run planned before
// writers existed.
class BatchPlanner {
public:
    explicit BatchPlanner(const RunConfig& config, int writer = 0);

    const RunConfig& config() const { return config_; }
    const SchemaState& schema() const { return schema_; }
    const LiveKeySet& live_keys() const { return live_; }
    int64_t batches_planned() const { return batches_planned_; }
    // The number the next plan_batch gives its batch.
    int64_t next_batch_number() const { return batches_planned_ * writers_ + writer_ + 1; }
    int writer() const { return writer_; }
    bool finished() const;
    const NameSpellings& name_spellings() const { return names_; }
    // The spellings to fill in before the first plan; throws std::logic_error
    // once planning has begun, since rows already planned would keep the
    // old spellings.
    NameSpellings& name_spellings_before_planning();

    // The next chunk of snapshot rows (inserts only); false when done.
    bool plan_snapshot_chunk(BatchPlan& plan);
    // The next batch of the run proper.
    void plan_batch(BatchPlan& plan);

private:
    void plan_inserts(BatchPlan& plan, int64_t rows);
    void plan_mutation(BatchPlan& plan);
    void plan_update(BatchPlan& plan, size_t rows);
    UpdateGroup& new_update_group(BatchPlan& plan, UpdateKind kind, size_t columns);
    uint64_t fresh_ordinal();
    Uuid key_of(uint64_t ordinal) const { return codec_.encode(ordinal * writers_ + writer_); }
    void plan_delete(BatchPlan& plan, size_t rows);
    void undo_in_live_set(uint64_t first_new_ordinal);
    void plan_savepoint(BatchPlan& plan);

    RunConfig config_;
    uint64_t writer_, writers_;
    int64_t records_share_;  // of total_records (0: unbounded)
    int64_t snapshot_share_;
    RandomSource control_;  // decisions: evolution, mutations, key choice
    RandomSource values_;   // generated column values
    KeyCodec codec_;
    SchemaState schema_;
    LiveKeySet live_;
    NameSpellings names_;
    uint64_t next_ordinal_ = 0;
    int64_t snapshot_planned_ = 0;
    int64_t records_planned_ = 0;
    int64_t batches_planned_ = 0;
    std::vector<ColumnId> mutable_columns_;
    std::array<ColumnSpec, kColumnCount> shapes_{};  // of mutable_columns_, for this batch's updates
    std::vector<uint64_t> scratch_;
    std::vector<uint64_t> deleted_;  // a rolled-back batch's deleted ordinals, for its undo
    std::array<int16_t, kColumnCount> group_of_column_{};
    UpdateKind enabled_kinds_[kUpdateKindCount];
    size_t enabled_kind_count_ = 0;
};

}  // namespace cdccraft
