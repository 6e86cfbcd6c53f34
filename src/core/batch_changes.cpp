#include "core/batch_changes.hpp"

#include <stdexcept>

namespace cdccraft {

const char* change_op_name(ChangeOp op) {
    switch (op) {
        case ChangeOp::Insert: return "insert";
        case ChangeOp::Update: return "update";
        case ChangeOp::Delete: return "delete";
        case ChangeOp::Ddl: return "ddl";
        case ChangeOp::Truncate: return "truncate";
        case ChangeOp::Message: return "message";
    }
    return "";
}

namespace {

ColumnId column_named(std::string_view name) {
    for (ColumnId c = 0; c < kColumnCount; ++c)
        if (column_spec(c).name == name) return c;
    throw std::logic_error("the column catalog has no " + std::string(name));
}

}  // namespace

ColumnId updated_at_column() {
    static const ColumnId id = column_named("updated_at");
    return id;
}

ColumnId key_column() {
    static const ColumnId id = column_named("id");
    return id;
}

const std::vector<PlannedChange>& BatchChanges::list(const BatchPlan& plan, const std::vector<ColumnId>& table_columns,
                                                     int32_t first_seq) {
    changes_.clear();
    int32_t seq = first_seq;
    if (plan.emits_nontransactional_message)
        changes_.push_back(PlannedChange{ChangeOp::Message, seq++, 0, nullptr, nullptr, nullptr, nullptr, 0, true});
    if (plan.evolution) {
        const ChangeOp op = plan.evolution->op == EvolutionOp::Truncate ? ChangeOp::Truncate : ChangeOp::Ddl;
        changes_.push_back(PlannedChange{op, seq++, 0, nullptr, nullptr, &*plan.evolution, nullptr, 0});
    }

    insert_columns_.clear();
    for (ColumnId id : table_columns) {
        const Generator generator = column_spec(id).generator;
        if (generator == Generator::Key)
            insert_columns_.push_back(ChangedColumn{id, ValueSource::Key, nullptr});
        else if (generator == Generator::ServerDefault)
            insert_columns_.push_back(ChangedColumn{id, ValueSource::Now, nullptr});
        else
            insert_columns_.push_back(ChangedColumn{id, ValueSource::Planned, &plan.values_of(id)});
    }
    for (size_t row = 0; row < plan.insert_keys.size(); ++row)
        changes_.push_back(PlannedChange{ChangeOp::Insert, seq++, row, &plan.insert_keys[row], nullptr, nullptr,
                                         insert_columns_.data(), insert_columns_.size()});

    // Sized before any pointer into it is taken.
    update_columns_.resize(plan.update_group_count);
    for (size_t g = 0; g < plan.update_group_count; ++g) {
        const UpdateGroup& group = plan.update_groups[g];
        std::vector<ChangedColumn>& set = update_columns_[g];
        set.clear();
        if (group.kind == UpdateKind::Key) set.push_back(ChangedColumn{key_column(), ValueSource::NewKey, nullptr});
        if (group.kind == UpdateKind::Column || group.kind == UpdateKind::Columns)
            for (size_t i = 0; i < group.columns.size(); ++i)
                set.push_back(ChangedColumn{group.columns[i], ValueSource::Planned, &group.values[i]});
        if (group.kind != UpdateKind::SameValue)
            set.push_back(ChangedColumn{updated_at_column(), ValueSource::Now, nullptr});
        for (size_t row = 0; row < group.keys.size(); ++row)
            changes_.push_back(PlannedChange{ChangeOp::Update, seq++, row, &group.keys[row],
                                             group.kind == UpdateKind::Key ? &group.new_keys[row] : nullptr, nullptr,
                                             set.data(), set.size()});
    }

    for (const Uuid& key : plan.delete_keys)
        changes_.push_back(PlannedChange{ChangeOp::Delete, seq++, 0, &key, nullptr, nullptr, nullptr, 0});
    if (plan.emits_message)
        changes_.push_back(PlannedChange{ChangeOp::Message, seq++, 0, nullptr, nullptr, nullptr, nullptr, 0});
    next_seq_ = seq;
    return changes_;
}

}  // namespace cdccraft
