// Checks, inside each batch's transaction, that what the run's changes flow
// through still stands: its publication, the table's membership in it, and
// its slot. Another session may drop them at any time; the batch then fails
// instead of committing changes that no consumer will see.
#pragma once

#include "pg/worker_run.hpp"

extern "C" {
#include "storage/lockdefs.h"
}

namespace cdccraft::pg {

// That the run's schema and table names still name the table it created
// (run->relid), taking lockmode on it first (NoLock: it is held already).
// Every statement of a batch names the table; another put in its place would
// take the batch's writes, its DDL and TRUNCATE, and fire its triggers as
// the run's role. Before a batch's first statement, and again in
// check_run_objects_intact.
void check_run_table(WorkerRun* run, LOCKMODE lockmode);

// Each time it finds the run's slot, still provably the run's, it advances
// run->slot_proof_lsn to the WAL insert position of that moment.
void check_run_objects_intact(WorkerRun* run);

// How far the run's slot is behind the current WAL insert position, by its
// confirmed flush position; 0 if the slot is gone (the next batch fails on
// that) or has not confirmed anything yet.
int64 slot_lag_bytes(const WorkerRun* run);

}  // namespace cdccraft::pg
