#include "pg/worker_batch.hpp"

#include "pg/batch_executor.hpp"
#include "pg/core_guard.hpp"
#include "pg/run_catalog.hpp"
#include "pg/run_integrity.hpp"
#include "pg/run_partitions.hpp"
#include "pg/worker_settings.hpp"

namespace cdccraft::pg {
namespace {

// The batch's changes into the run's totals once its transaction is over:
// committed at commit_end, or rolled back (invalid).
void count_batch(WorkerRun* run, XLogRecPtr commit_end) {
    const BatchPlan& plan = *run->plan;
    if (XLogRecPtrIsInvalid(commit_end)) {
        run->rolled_back_batches += 1;
        run->rolled_back_changes += run->pending.inserts + run->pending.updates + run->pending.deletes;
        return;
    }
    run->last_commit_lsn = commit_end;
    run->batches = plan.batch_number;
    run->inserts += run->pending.inserts;
    run->updates += run->pending.updates;
    run->deletes += run->pending.deletes;
}

// The role's deferred triggers would fire at PREPARE, in a step that holds
// the cancel: they fire here, in the batch's own step, which a stop ends.
// What they may have changed is undone while the batch can still roll back:
// exit_on_error would make any error of the PREPARE step a FATAL, and a
// transaction-local role another owner of the prepared transaction than the
// run's role, which could then not end it.
void fire_deferred_triggers(const WorkerRun* run) {
    spi_run("SET CONSTRAINTS ALL IMMEDIATE", SPI_OK_UTILITY);
    restore_worker_settings();
    if (GetUserId() != run->role)
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("cdccraft run %lld: a trigger changed the batch's role", (long long)run->run_id),
                        errdetail("A prepared batch must be prepared by the run's own role.")));
}

// PREPARE TRANSACTION, then COMMIT PREPARED (or ROLLBACK PREPARED) at once,
// with the cancel held: a stop must not leave the prepared transaction
// behind, holding its locks and the WAL. Its name is unique in the cluster
// (the database's oid, the run, the batch), so that two databases' runs of
// one id never take each other's; it lives in the run, not in the
// transaction, whose memory PREPARE frees.
void end_prepared_batch(WorkerRun* run) {
    // And a random part: any role may PREPARE under any name, and one that
    // took the next batch's would fail the run.
    uint64 token = 0;
    if (!pg_strong_random(&token, sizeof token))
        ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not generate a random number")));
    snprintf(run->prepared_gid, sizeof run->prepared_gid, "cdccraft_%u_%lld_%lld_%016llx", MyDatabaseId,
             (long long)run->run_id, (long long)run->plan->batch_number, (unsigned long long)token);
    run->prepare_pending = false;
    prepare_worker_transaction(run->prepared_gid);
    run->prepared = true;
    const bool commit = !run->plan->rolled_back;
    const XLogRecPtr end = finish_prepared_transaction(run->prepared_gid, commit);
    run->prepared = false;
    count_batch(run, commit ? end : InvalidXLogRecPtr);
}

}  // namespace

bool write_batch(WorkerRun* run, ErrorData** error) {
    if (!run_cancellable_step(run_batch, run, error)) return false;
    if (!run->prepare_pending) return true;
    if (run_step(end_prepared_batch, run, error)) return true;
    if (run->prepared) warn_prepared_left(run);
    return false;
}

void warn_prepared_left(const WorkerRun* run) {
    ereport(
        WARNING,
        (errmsg("cdccraft run %lld left its prepared transaction \"%s\"", (long long)run->run_id, run->prepared_gid),
         errhint("It holds locks on the run's table: end it with ROLLBACK PREPARED '%s'.", run->prepared_gid)));
}

// Planning needs no transaction; the batch's transaction then starts with
// an activity that says what it does.
void run_batch(WorkerRun* run) {
    CDCCRAFT_CORE(run->planner->plan_batch(*run->plan));
    const BatchPlan& plan = *run->plan;
    char activity[160];
    snprintf(activity, sizeof activity, "cdccraft run %lld: batch %lld: insert %zu, update %lld, delete %zu%s",
             (long long)run->run_id, (long long)plan.batch_number, plan.insert_keys.size(),
             static_cast<long long>(plan.updated_rows()), plan.delete_keys.size(),
             plan.evolution          ? ", evolve"
             : plan.rolled_back      ? ", then roll back"
             : plan.prepared         ? ", then prepare"
             : plan.splits_partition ? ", split a partition"
                                     : "");
    begin_worker_transaction(activity, plan.prepared);
    // The lock the batch's first statement takes: every schema change takes
    // ACCESS EXCLUSIVE, and a weaker lock first would have to be upgraded.
    check_run_table(run, plan.evolution || plan.splits_partition ? AccessExclusiveLock : RowExclusiveLock);

    // Written now, decoded as soon as the decoder reaches it: before this
    // transaction, which is decoded at its commit, and if it rolls back.
    execute_message(run, false);
    if (plan.evolution) execute_evolution(run);
    if (plan.splits_partition) catalog_record_partition_split(run, split_newest_partition(run));
    execute_inserts(run);
    const int64 updates = execute_updates(run);
    const int64 deletes = execute_deletes(run);
    const int64 savepoint_deletes = execute_savepoint_deletes(run);
    execute_message(run, true);
    run->pending.inserts = static_cast<int64>(plan.insert_keys.size());
    run->pending.updates = updates;
    run->pending.deletes = deletes;
    if (plan.rolled_back) {
        // Written whole, as far as the WAL goes, and never committed: the
        // counts say so with the next committed batch. A prepared one is
        // rolled back once prepared (end_prepared_batch).
        if (plan.prepared) {
            fire_deferred_triggers(run);
            run->prepare_pending = true;
            return;
        }
        rollback_worker_transaction();
        count_batch(run, InvalidXLogRecPtr);
        return;
    }
    if (savepoint_deletes > 0) {
        run->rolled_back_savepoints += 1;
        run->rolled_back_changes += savepoint_deletes;
    }
    check_run_objects_intact(run);
    catalog_record_batch(run, run->pending.inserts, updates, deletes);
    if (plan.prepared) {
        fire_deferred_triggers(run);
        run->prepare_pending = true;
        return;
    }
    commit_worker_transaction();
    count_batch(run, XactLastCommitEnd);
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
