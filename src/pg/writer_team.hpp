// Several writers (writers > 1): the run's other backends, background
// workers the leader (writer 0, the run's worker) launches once setup has
// made the table, and stops before it records the outcome. What they share
// is a dynamic shared memory segment, the board: what setup made, going out
// to each writer, and each writer's end coming back. Each writer plans and
// writes its own batches (core/batch_planner: its own keys and batch
// numbers) and records them itself; only the leader changes the run's
// state.
#pragma once

#include "pg/postgres_api.hpp"

#include "core/run_parameters.hpp"
#include "pg/worker_run.hpp"

namespace cdccraft::pg {

enum class WriterState : uint32 { Starting = 0, Running, Finished, Stopped, Failed };

struct WriterReport {
    pg_atomic_uint32 state;  // WriterState; written last, after a barrier
    XLogRecPtr last_commit_lsn;
    int64 batches, inserts, updates, deletes;
    int sqlerrcode;
    char message[1024];
};

struct WriterBoard {
    int leader_pgprocno;
    int leader_pid;
    Oid database, role, catalog_owner, relid, publication_oid;
    Oid type_oids[2];
    int64 run_id;
    int writers;
    // Set by the leader once every writer has started and the run's caller
    // has its id: no writer writes before, so a start that fails leaves no
    // batch behind.
    pg_atomic_uint32 go;
    Timestamp anchor;
    int64 lock_timeout_ms;
    XLogRecPtr slot_proof_lsn;
    char qualified_table[1024];
    char key_index[NAMEDATALEN];
    char time_zone[256];
    char config_wire[4096];
    WriterReport reports[kMaxWriters];
};

// The last setup step of a run of several writers: launches writers 1 ..
// writers - 1 and waits until each has started; raises 53400 if one cannot.
void launch_writers(WorkerRun* run);
// Once the caller is released: lets the writers write.
void let_writers_go(WorkerRun* run);
// Between the leader's batches: ends the run if another writer failed or was
// terminated (finish() records it).
void check_writers(WorkerRun* run);
// A writer (the leader too) that has written its share records its last
// commit position at once (cdccraft.run.writer_commit_lsns): its last batch's
// would otherwise stay unknown while the others write, and for good if the
// run is interrupted.
void record_writer_end(WorkerRun* run);
// Once the leader has written its share: waits until every writer has
// written its own, then finishes the run completed, or as check_writers
// does, or stopped on a stop.
[[noreturn]] void finish_with_writers(WorkerRun* run);
// Before the outcome is recorded (finish does it): stops the writers still
// writing and waits until all have ended; folds their counters and last
// commit positions into run's. Harmless when there are none.
void end_writers(WorkerRun* run);
// Each writer's last commit LSN, as a pg_lsn[] for the catalog; (Datum) 0
// for a run of one writer.
Datum writer_commit_lsns(const WorkerRun* run);

}  // namespace cdccraft::pg
