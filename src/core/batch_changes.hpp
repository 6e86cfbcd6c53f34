// A planned batch as the row changes its statements make, in their order:
// the schema change, the inserted rows in row order, each update group's
// rows, the deleted rows. This is the truth of a run (cdccraft_changes):
// the planner, replayed from the seed, gives back every batch, and this
// lists what each did.
//
// Within one statement the rows are in planned order. PostgreSQL applies an
// update group or the deletes in its plan's order (a join's, an index's),
// which may differ; those rows have distinct keys, so they commute, and a
// key's own changes within a transaction are always in this order.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/batch_planner.hpp"

namespace cdccraft {

// Truncate: evolution_ops truncate, the schema change that empties the
// table; Ddl: every other. Message: emit_messages' logical decoding
// message, the transaction's last change, or nontransactional_messages',
// its first.
enum class ChangeOp : uint8_t { Insert, Update, Delete, Ddl, Truncate, Message };

// "insert", "update", "delete", "ddl", "truncate", "message": cdccraft_changes' op.
const char* change_op_name(ChangeOp op);

// Where a changed column's value comes from: the row's key, the key a key
// update moves it to, the transaction's now() (the columns with a now()
// DEFAULT, and updated_at in every update that changes a value), or the
// plan's generated values.
enum class ValueSource : uint8_t { Key, NewKey, Now, Planned };

struct ChangedColumn {
    ColumnId column;
    ValueSource source;
    const ColumnValues* values;  // Planned only
};

struct PlannedChange {
    ChangeOp op;
    int32_t seq;               // 1-based, in the order of the batch's transaction
    size_t row;                // the change's position in each Planned column's values
    const Uuid* key;           // null for Ddl, Truncate and Message; an update's: the row's before it
    const Uuid* new_key;       // a key update's new key; else null
    const EvolutionStep* ddl;  // Ddl and Truncate only
    // insert: every column of the table; update: the columns it sets to new
    // values (none for same_value: the update changes nothing)
    const ChangedColumn* columns;
    size_t column_count;
    // A Message not of the transaction (nontransactional_messages): emitted
    // when written, before the transaction's commit.
    bool nontransactional = false;
};

class BatchChanges {
public:
    // The changes of plan, whose table has table_columns (in table order,
    // after the batch's schema change), numbered from first_seq (a snapshot
    // of several chunks is one transaction). Valid until the next call or
    // until plan changes.
    const std::vector<PlannedChange>& list(const BatchPlan& plan, const std::vector<ColumnId>& table_columns,
                                           int32_t first_seq);
    // The seq after the last change listed.
    int32_t next_seq() const { return next_seq_; }

private:
    std::vector<ChangedColumn> insert_columns_;
    std::vector<std::vector<ChangedColumn>> update_columns_;  // one per update group
    std::vector<PlannedChange> changes_;
    int32_t next_seq_ = 1;
};

// The column every update that changes a value also sets, to now().
ColumnId updated_at_column();
// The primary key, id.
ColumnId key_column();

}  // namespace cdccraft
