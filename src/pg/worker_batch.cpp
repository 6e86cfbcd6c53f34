#include "pg/worker_batch.hpp"

#include "pg/batch_executor.hpp"
#include "pg/core_guard.hpp"
#include "pg/run_catalog.hpp"
#include "pg/run_integrity.hpp"

namespace cdccraft::pg {

// Planning needs no transaction; the batch's transaction then starts with
// an activity that says what it does.
void run_batch(WorkerRun* run) {
    CDCCRAFT_CORE(run->planner->plan_batch(*run->plan));
    const BatchPlan& plan = *run->plan;
    char activity[160];
    snprintf(activity, sizeof activity, "cdccraft run %lld: batch %lld: insert %zu, update %lld, delete %zu%s",
             (long long)run->run_id, (long long)plan.batch_number, plan.insert_keys.size(),
             static_cast<long long>(plan.updated_rows()), plan.delete_keys.size(),
             plan.evolution     ? ", evolve"
             : plan.rolled_back ? ", then roll back"
                                : "");
    begin_worker_transaction(activity);
    // The lock the batch's first statement takes: every schema change takes
    // ACCESS EXCLUSIVE, and a weaker lock first would have to be upgraded.
    check_run_table(run, plan.evolution ? AccessExclusiveLock : RowExclusiveLock);

    if (plan.evolution) execute_evolution(run);
    execute_inserts(run);
    const int64 updates = execute_updates(run);
    const int64 deletes = execute_deletes(run);
    const int64 savepoint_deletes = execute_savepoint_deletes(run);
    execute_message(run);
    const int64 inserts = static_cast<int64>(plan.insert_keys.size());
    if (plan.rolled_back) {
        // Written whole, as far as the WAL goes, and never committed: the
        // counts say so with the next committed batch.
        rollback_worker_transaction();
        run->rolled_back_batches += 1;
        run->rolled_back_changes += inserts + updates + deletes;
        return;
    }
    if (savepoint_deletes > 0) {
        run->rolled_back_savepoints += 1;
        run->rolled_back_changes += savepoint_deletes;
    }
    check_run_objects_intact(run);
    catalog_record_batch(run, inserts, updates, deletes);
    commit_worker_transaction();
    run->last_commit_lsn = XactLastCommitEnd;

    run->batches = plan.batch_number;
    run->inserts += inserts;
    run->updates += updates;
    run->deletes += deletes;
}

void log_batch(const WorkerRun* run) {
    const BatchPlan& plan = *run->plan;
    if (plan.evolution) {
        const SchemaState& schema = run->planner->schema();
        const ColumnSpec col = schema.shape(plan.evolution->column);
        if (plan.evolution->op == EvolutionOp::Add || plan.evolution->op == EvolutionOp::Drop)
            ereport(LOG,
                    (errmsg("cdccraft run %lld: [Batch %lld] %s column '%.*s'", (long long)run->run_id,
                            (long long)plan.batch_number, plan.evolution->op == EvolutionOp::Add ? "Added" : "Dropped",
                            static_cast<int>(col.name.size()), col.name.data())));
        else
            ereport(LOG, (errmsg("cdccraft run %lld: [Batch %lld] %s: %s", (long long)run->run_id,
                                 (long long)plan.batch_number, evolution_op_name(plan.evolution->op).data(),
                                 evolution_statement(run->qualified_table, *plan.evolution, schema, run->key_index))));
    }
    if (plan.batch_number % 10 == 0)
        ereport(LOG, (errmsg("cdccraft run %lld: [Batch %lld] Inserts: %lld, Updates: %lld, Deletes: %lld",
                             (long long)run->run_id, (long long)plan.batch_number, (long long)run->inserts,
                             (long long)run->updates, (long long)run->deletes)));
}

}  // namespace cdccraft::pg
