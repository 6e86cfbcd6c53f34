// Turns a planned batch into a few prepared statements: one multi-row
// INSERT, one UPDATE per updated column and one DELETE, each fed by arrays.
#pragma once

#include "pg/worker_run.hpp"

namespace cdccraft::pg {

// The statement of a schema change, exactly as the worker runs it (and as
// cdccraft_changes reports it), from the schema once the step is applied;
// palloc'd.
// key_index: the table's primary key index, which REPLICA IDENTITY USING
// INDEX names.
char* evolution_statement(const char* qualified_table, const EvolutionStep& step, const SchemaState& after,
                          const char* key_index);
// The text the rows that exist when a column is added take in it (its
// DEFAULT as the type prints it), or nullptr: they hold NULL.
const char* evolution_fill(const EvolutionStep& step, const SchemaState& after);

// Inside an open transaction with SPI connected.
void execute_evolution(WorkerRun* run);
void execute_inserts(WorkerRun* run);
int64 execute_updates(WorkerRun* run);
int64 execute_deletes(WorkerRun* run);
// emit_messages: the batch's message, the content of which names the run
// and the batch (palloc'd), and its emission as the batch's last change.
char* batch_message_content(int64 run_id, int64 batch);
// emit_messages' (transactional) or nontransactional_messages'.
void execute_message(WorkerRun* run, bool transactional);
// The rows deleted inside a savepoint rolled back (savepoint_fraction).
int64 execute_savepoint_deletes(WorkerRun* run);
// Forgets prepared statements whose text names the table's columns.
void forget_table_plans(WorkerRun* run);
// The SQL type of a column kind, schema-qualified: text and uuid are not
// keywords, so a bare name would be looked up in the session's search_path.
const char* qualified_type(ValueKind kind);
// A column's SQL type as its CREATE TABLE names it, schema-qualified.
const char* column_type(const ColumnSpec& spec);

}  // namespace cdccraft::pg
