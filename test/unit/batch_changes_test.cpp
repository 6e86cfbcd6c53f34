#include "core/batch_changes.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

using namespace cdccraft;

namespace {

RunConfig evolving_config() {
    RunConfig c;
    c.seed = 7;
    c.total_records = 20000;
    c.batch_size = 100;
    c.snapshot_rows = 250;
    c.evolution_interval = 3;
    c.evolution_probability = 1;
    validate(c);
    return c;
}

// A model table: each live key and the columns it has a value for.
using Model = std::map<Uuid, std::set<ColumnId>>;

struct Totals {
    int64_t inserts = 0, updates = 0, deletes = 0, ddl = 0, truncates = 0, messages = 0;
};

// Applies one batch's changes to the model, checking each against it.
int32_t apply(BatchChanges& changes, const BatchPlan& plan, const SchemaState& schema, int32_t first_seq, Model& model,
              Totals& totals) {
    int32_t expected_seq = first_seq;
    for (const PlannedChange& c : changes.list(plan, schema.columns(), first_seq)) {
        EXPECT_EQ(c.seq, expected_seq++);
        switch (c.op) {
            case ChangeOp::Ddl:
                EXPECT_EQ(c.seq, 1) << "a schema change comes first in its transaction";
                EXPECT_EQ(c.ddl->column, plan.evolution->column);
                ++totals.ddl;
                break;
            case ChangeOp::Truncate:
                EXPECT_EQ(c.seq, 1) << "a TRUNCATE comes first in its transaction";
                EXPECT_EQ(c.key, nullptr);
                model.clear();
                ++totals.truncates;
                break;
            case ChangeOp::Message:
                EXPECT_EQ(c.key, nullptr);
                ++totals.messages;
                break;
            case ChangeOp::Insert: {
                EXPECT_EQ(model.count(*c.key), 0u) << "a key is inserted once";
                EXPECT_EQ(c.column_count, schema.columns().size()) << "an insert has every column";
                std::set<ColumnId>& row = model[*c.key];
                for (size_t i = 0; i < c.column_count; ++i) {
                    const ChangedColumn& col = c.columns[i];
                    EXPECT_EQ(col.column, schema.columns()[i]) << "in table order";
                    if (col.source == ValueSource::Planned) {
                        EXPECT_LT(c.row, col.values->size());
                        EXPECT_EQ(col.values->kind, schema.shape(col.column).kind);
                    }
                    EXPECT_EQ(col.source == ValueSource::Key, column_spec(col.column).generator == Generator::Key);
                    row.insert(col.column);
                }
                ++totals.inserts;
                break;
            }
            case ChangeOp::Update: {
                auto it = model.find(*c.key);
                if (it == model.end()) {
                    ADD_FAILURE() << "an update finds its row";
                    break;
                }
                EXPECT_EQ(c.column_count, 2u);
                EXPECT_LT(c.row, c.columns[0].values->size());
                EXPECT_TRUE(schema.has(c.columns[0].column));
                EXPECT_FALSE(column_spec(c.columns[0].column).is_protected);
                EXPECT_EQ(c.columns[1].column, updated_at_column());
                EXPECT_EQ(c.columns[1].source, ValueSource::Now);
                ++totals.updates;
                break;
            }
            case ChangeOp::Delete:
                EXPECT_EQ(model.erase(*c.key), 1u) << "a delete finds its row";
                EXPECT_EQ(c.column_count, 0u);
                ++totals.deletes;
                break;
        }
    }
    EXPECT_EQ(changes.next_seq(), expected_seq);
    return changes.next_seq();
}

}  // namespace

TEST(BatchChanges, ReplayMatchesThePlannerBatchForBatch) {
    BatchPlanner planner(evolving_config());
    BatchPlan plan;
    BatchChanges changes;
    Model model;
    Totals totals;

    int32_t seq = 1;
    while (planner.plan_snapshot_chunk(plan)) seq = apply(changes, plan, planner.schema(), seq, model, totals);
    EXPECT_EQ(seq, 251) << "the snapshot is one transaction of 250 inserts";

    int64_t planned_updates = 0, planned_deletes = 0, schema_changes = 0;
    while (!planner.finished()) {
        planner.plan_batch(plan);
        planned_updates += plan.updated_rows();
        planned_deletes += static_cast<int64_t>(plan.delete_keys.size());
        schema_changes += plan.evolution ? 1 : 0;
        const size_t expected = (plan.evolution ? 1 : 0) + plan.insert_keys.size() +
                                static_cast<size_t>(plan.updated_rows()) + plan.delete_keys.size();
        EXPECT_EQ(static_cast<size_t>(apply(changes, plan, planner.schema(), 1, model, totals) - 1), expected);
    }
    EXPECT_EQ(totals.inserts, 20250);
    EXPECT_EQ(totals.updates, planned_updates);
    EXPECT_EQ(totals.deletes, planned_deletes);
    EXPECT_EQ(totals.ddl, schema_changes);
    EXPECT_GT(totals.ddl, 0);
    EXPECT_GT(totals.updates, 0);
    EXPECT_GT(totals.deletes, 0);
    EXPECT_EQ(model.size(), planner.live_keys().size()) << "the changes leave exactly the live rows";
}

TEST(BatchChanges, UpdatedAtIsTheCatalogsColumn) { EXPECT_EQ(column_spec(updated_at_column()).name, "updated_at"); }

// emit_messages: every batch's last change is its message; the snapshot has
// none (it predates the slot).
TEST(BatchChanges, AMessageEndsEachBatch) {
    RunConfig c = evolving_config();
    c.emit_messages = true;
    BatchPlanner planner(c);
    BatchPlan plan;
    BatchChanges changes;
    while (planner.plan_snapshot_chunk(plan))
        for (const PlannedChange& ch : changes.list(plan, planner.schema().columns(), 1))
            EXPECT_NE(ch.op, ChangeOp::Message);
    int64_t batches = 0;
    while (!planner.finished()) {
        planner.plan_batch(plan);
        const auto& listed = changes.list(plan, planner.schema().columns(), 1);
        ASSERT_FALSE(listed.empty());
        EXPECT_EQ(listed.back().op, ChangeOp::Message);
        for (size_t i = 0; i + 1 < listed.size(); ++i) EXPECT_NE(listed[i].op, ChangeOp::Message);
        ++batches;
    }
    EXPECT_GT(batches, 0);
}
