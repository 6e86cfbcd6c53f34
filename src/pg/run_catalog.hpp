// The worker's writes to cdccraft.run and cdccraft.schema_change. They run
// as the catalog's owner (the worker otherwise acts as the run's role, who
// may read but not write the catalog), inside the caller's transaction.
#pragma once

#include "pg/worker_run.hpp"

namespace cdccraft::pg {

// Looks up the catalog's owner; marks runs whose worker is gone as interrupted.
void catalog_prepare(WorkerRun* run);
// Raises a clear error if the run's table has an active run already.
void catalog_check_no_active_run(WorkerRun* run);
// Records a new run in state 'starting' and returns its id; the unique index
// on active runs backs up the check above when two starts race.
int64 catalog_insert_run(WorkerRun* run);
// The newest run that created the table with this oid; 0 if none.
int64 catalog_run_of_table(WorkerRun* run, Oid relid);
void catalog_record_objects(WorkerRun* run);
// The canary slot's claim, or its release (no proof); where verifying starts.
void catalog_record_canary(WorkerRun* run);
void catalog_record_snapshot(WorkerRun* run, int64 rows);
void catalog_mark_running(WorkerRun* run);
// 'paused' while the slot is too far behind, 'running' again after.
void catalog_set_state(WorkerRun* run, const char* state);
// Counters of the batch in plan, and its schema change if any.
void catalog_record_batch(WorkerRun* run, int64 inserts, int64 updates, int64 deletes);
// A partition split (partitioning range) of the batch in plan, with its DDL.
void catalog_record_partition_split(WorkerRun* run, const char* ddl);
// writer_commit_lsns: with several writers, each one's last commit LSN (a
// pg_lsn[]), else (Datum) 0.
void catalog_finish(WorkerRun* run, const char* state, const char* error, Datum writer_commit_lsns);

}  // namespace cdccraft::pg
