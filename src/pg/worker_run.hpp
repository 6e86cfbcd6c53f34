// The state of one run inside its worker. It lives for the whole process and
// holds the core objects by pointer, so no frame that calls PostgreSQL owns a
// C++ object with a destructor.
#pragma once

#include "pg/postgres_api.hpp"

#include "core/batch_planner.hpp"
#include "pg/launch_handoff.hpp"

namespace cdccraft::pg {

// The worker's side of the start handoff with cdccraft_start.
struct StartHandoff {
    LaunchHandoff* shared = nullptr;  // attached for the worker's whole life
    bool caller_waiting = false;      // the caller still waits for setup's outcome
    bool setup_finished = false;
    bool setup_undone = false;  // a failed setup's objects were all removed
};

struct WriterBoard;
struct WriterTeam;

struct WorkerRun {
    int64 run_id = 0;
    // Which of the run's writers this process is: 0, the leader, sets the
    // run up, launches the others (team) and records the outcome; the
    // others only write batches. All share the board.
    int writer = 0;
    WriterBoard* board = nullptr;
    WriterTeam* team = nullptr;
    // Why the run stopped when no one stopped it (a writer terminated).
    const char* stop_cause = nullptr;
    int64 other_writers_batches = 0;  // the other writers' batches, once they have ended
    Oid role = InvalidOid;
    Oid catalog_owner = InvalidOid;
    Oid relid = InvalidOid;
    BatchPlanner* planner = nullptr;
    BatchPlan* plan = nullptr;
    const RunConfig* config = nullptr;
    const char* config_wire = nullptr;            // the configuration as launched, in TopMemoryContext
    const char* qualified_table = nullptr;        // quoted, in TopMemoryContext
    const char* key_index = nullptr;              // the primary key's index, in TopMemoryContext
    Oid type_oids[2] = {InvalidOid, InvalidOid};  // all_types' enum and domain, once created
    // Batches written whole, then rolled back (rollback_fraction), and the
    // row changes they held: recorded with the next committed batch.
    int64 rolled_back_batches = 0;
    int64 rolled_back_changes = 0;
    int64 rolled_back_savepoints = 0;  // savepoints rolled back in committed batches
    // The batch just written, counted once its transaction ends; a prepared
    // batch's transaction is still open (prepare_pending), then prepared
    // under prepared_gid (prepared) until COMMIT or ROLLBACK PREPARED ends it.
    struct {
        int64 inserts, updates, deletes;
    } pending = {0, 0, 0};
    bool prepare_pending = false;
    bool prepared = false;
    char prepared_gid[GIDSIZE] = {};
    Timestamp anchor = 0;  // purchased_at values are this minus an offset
    // The run's cdccraft.lock_timeout, as its caller had it: known before the
    // configuration is read in full, since the connection needs it.
    int64 lock_timeout_ms = 0;
    StartHandoff handoff;
    // What the next outcome or state record writes (record steps, like every
    // step, take only the run).
    const char* recording_state = nullptr;
    // Set once record_final_state has begun: the exit callback records no second outcome.
    bool outcome_recording = false;
    const char* recording_error = nullptr;

    // What setup created, and the proofs that it did (see
    // cdccraft.claims_of): the table (relid above), schema and publication
    // by oid, InvalidOid for what it did not create. A slot's creation is not
    // transactional and its proof comes after it, so the slot has a mark of
    // its own.
    Oid schema_oid = InvalidOid;
    Oid publication_oid = InvalidOid;
    bool created_slot = false;
    XLogRecPtr slot_proof_lsn = InvalidXLogRecPtr;
    // The canary slot (verify => true), claimed the same way.
    const char* canary_slot = nullptr;  // in TopMemoryContext
    bool created_canary = false;
    XLogRecPtr canary_proof_lsn = InvalidXLogRecPtr;
    // The end of the commit record of the run's last committed transaction
    // that changed its table (the snapshot, then each batch): the next one
    // records it (cdccraft.batch_commit), the outcome records the last.
    XLogRecPtr last_commit_lsn = InvalidXLogRecPtr;

    // Committed totals.
    int64 batches = 0;
    int64 inserts = 0;
    int64 updates = 0;
    int64 deletes = 0;

    // Prepared statements, kept across transactions; rebuilt after DDL.
    SPIPlanPtr insert_plan = nullptr;
    // Each column's type and typmod as the run made it (COPY writes only
    // into columns still of it), found once per schema: forgotten with the
    // plans.
    struct PlannedType {
        Oid type = InvalidOid;
        int32 typmod = -1;
    } planned_types[kColumnCount] = {};
    // A batch's rows in COPY's text form (insert_method copy); its capacity
    // kept from batch to batch.
    std::string copy_rows;
    std::vector<size_t> copy_row_ends;  // where the binary form's header and rows end
    SPIPlanPtr delete_plan = nullptr;
    SPIPlanPtr update_plans[kColumnCount] = {};
    SPIPlanPtr record_progress_plan = nullptr;
};

// Runs one step of the worker's work, step(run), under PG_TRY, and returns
// whether it succeeded. On a PostgreSQL error the step's transaction is
// aborted, *error receives a copy of the error (in TopMemoryContext) and
// false is returned. step must not hold C++ objects with destructors.
//
// The worker holds query cancel for its whole life, so that a stop's cancel
// can only end a batch or a setup step, where these catch it, and never the
// worker itself (errfinish() checks for interrupts after every LOG line).
// run_step keeps it held while step runs (bookkeeping: outcome, state,
// undoing setup); run_cancellable_step lets a cancel (a stop,
// pg_cancel_backend(), lock_timeout) interrupt step (a batch, a setup step).
bool run_step(void (*step)(WorkerRun*), WorkerRun* run, ErrorData** error);
bool run_cancellable_step(void (*step)(WorkerRun*), WorkerRun* run, ErrorData** error);

// One worker transaction, in worker_spi's order: statement timestamp, start,
// SPI, snapshot, activity; and its end: SPI, snapshot, commit, stats, idle.
// as_block: a transaction block, as after BEGIN, which prepare_worker_transaction
// can PREPARE.
void begin_worker_transaction(const char* activity, bool as_block = false);
void commit_worker_transaction();

// SPI helpers for the worker: each raises an ERROR unless SPI returns expected.
// PREPARE TRANSACTION gid, for a transaction begun as a block.
void prepare_worker_transaction(const char* gid);
// COMMIT PREPARED gid (or ROLLBACK PREPARED), in a transaction of its own, as
// the statement runs; returns the end of its record.
XLogRecPtr finish_prepared_transaction(const char* gid, bool commit);
// Ends the batch's transaction without committing it (rollback_fraction).
void rollback_worker_transaction();
void spi_run(const char* sql, int expected);
void spi_run_args(const char* sql, int nargs, const Oid* types, const Datum* values, int expected);
const char* quoted_name(std::string_view name);  // palloc'd quote_identifier of a core name

}  // namespace cdccraft::pg
