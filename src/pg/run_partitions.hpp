// partitioning => 'range': the run's table partitioned by range of
// created_at (the transaction's now() of each row's insert), which no update
// changes, so no row ever moves. The first partition takes every value; every
// partition_every-th batch splits the newest off where time has got to: it
// detaches it, attaches it back bounded above by the clock, and creates the
// next, unbounded above, which the rows from then on go to. Rows stay where
// they are; a consumer sees no change for them, only (without
// publish_via_partition_root) a new relation's changes from then on.
#pragma once

#include "pg/worker_run.hpp"

namespace cdccraft::pg {

// Setup: the table's clause and its first partition, and what the table's
// own creation gives partitions by hand (replica identity, the row type's
// privileges).
const char* partitioned_table_clause(const WorkerRun* run);
void create_first_partition(WorkerRun* run);
// In a batch that holds the table ACCESS EXCLUSIVE, before its rows; returns
// the statements it ran, for the record.
const char* split_newest_partition(WorkerRun* run);

}  // namespace cdccraft::pg
