// The worker's setup, in the original's order, each step its own committed
// transaction: run record; schema, table and replica identity; snapshot
// rows; publication; slot (last, so the snapshot rows predate it). A setup
// that fails removes whatever it had created.
#pragma once

#include "pg/worker_run.hpp"

namespace cdccraft::pg {

// Each runs one transaction; call through run_cancellable_step().
void setup_record_run(WorkerRun* run);
void setup_create_table(WorkerRun* run);
void setup_insert_snapshot(WorkerRun* run);
void setup_create_publication(WorkerRun* run);
void setup_create_slot(WorkerRun* run);
void setup_mark_running(WorkerRun* run);

// Drops what setup created, the slot last; one transaction.
void undo_setup(WorkerRun* run);

}  // namespace cdccraft::pg
