#include "pg/writer_team.hpp"

#include "pg/catalog_access.hpp"
#include "pg/run_outcome.hpp"
#include "pg/worker_launch.hpp"
#include "pg/worker_signals.hpp"

extern "C" {
#include "utils/pg_lsn.h"
}

namespace cdccraft::pg {

struct WriterTeam {
    dsm_segment* segment;
    BackgroundWorkerHandle* handles[kMaxWriters];
    bool ended;
    XLogRecPtr leader_commit_lsn;  // the leader's own last, before the others' are folded in
};

namespace {

WriterState state_of(const WriterReport& report) {
    const auto state = static_cast<WriterState>(pg_atomic_read_u32(const_cast<pg_atomic_uint32*>(&report.state)));
    pg_read_barrier();
    return state;
}

bool exited(BackgroundWorkerHandle* handle) {
    pid_t pid;
    return handle == nullptr || GetBackgroundWorkerPid(handle, &pid) == BGWH_STOPPED;
}

void fill_board(WorkerRun* run, WriterBoard* board) {
    memset(board, 0, sizeof *board);
    board->leader_pgprocno = MyProc->pgprocno;
    board->leader_pid = MyProcPid;
    board->database = MyDatabaseId;
    board->role = run->role;
    board->catalog_owner = run->catalog_owner;
    board->relid = run->relid;
    board->publication_oid = run->publication_oid;
    board->type_oids[0] = run->type_oids[0];
    board->type_oids[1] = run->type_oids[1];
    board->run_id = run->run_id;
    board->writers = static_cast<int>(run->config->writers);
    board->anchor = run->anchor;
    board->lock_timeout_ms = run->lock_timeout_ms;
    board->slot_proof_lsn = run->slot_proof_lsn;
    strlcpy(board->qualified_table, run->qualified_table, sizeof board->qualified_table);
    strlcpy(board->key_index, run->key_index, sizeof board->key_index);
    strlcpy(board->time_zone, pg_get_timezone_name(session_timezone), sizeof board->time_zone);
    strlcpy(board->config_wire, run->config_wire, sizeof board->config_wire);
    for (WriterReport& report : board->reports) pg_atomic_init_u32(&report.state, 0);
    pg_atomic_init_u32(&board->go, 0);
}

// Stores the handle before it waits for the start: a cancel of that wait
// must still leave end_writers a handle to stop and wait for.
void launch_writer(WorkerRun* run, int writer) {
    BackgroundWorker worker;
    // The postmaster sets the leader's latch when a writer starts or ends.
    prepare_worker_launch(&worker, "cdccraft_writer_main", "cdccraft writer", run->team->segment);
    snprintf(worker.bgw_name, BGW_MAXLEN, "cdccraft run %lld writer %d", (long long)run->run_id, writer);
    memcpy(worker.bgw_extra, &writer, sizeof writer);
    BackgroundWorkerHandle* handle = nullptr;
    if (!RegisterDynamicBackgroundWorker(&worker, &handle))
        ereport(ERROR,
                (errcode(ERRCODE_INSUFFICIENT_RESOURCES),
                 errmsg("could not start writer %d of cdccraft run %lld: no background worker slot is free", writer,
                        (long long)run->run_id),
                 errhint("A run of %lld writers takes as many background worker slots; raise max_worker_processes "
                         "(now %d), pass fewer writers, or stop another run.",
                         (long long)run->config->writers, max_worker_processes)));
    run->team->handles[writer] = handle;
    pid_t pid;
    if (WaitForBackgroundWorkerStartup(handle, &pid) != BGWH_STARTED)
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_RESOURCES),
                        errmsg("writer %d of cdccraft run %lld could not start", writer, (long long)run->run_id)));
}

// A writer's end, as an error for the run's outcome; null while it writes,
// or when it finished its share.
ErrorData* writer_failure(const WorkerRun* run, int writer) {
    const WriterReport& report = run->board->reports[writer];
    const WriterState state = state_of(report);
    if (state == WriterState::Finished) return nullptr;
    const bool gone = exited(run->team->handles[writer]);
    if (state != WriterState::Failed && !(gone && state != WriterState::Stopped)) return nullptr;
    auto* error = static_cast<ErrorData*>(palloc0(sizeof(ErrorData)));
    error->elevel = ERROR;
    if (state == WriterState::Failed) {
        error->sqlerrcode = report.sqlerrcode;
        error->message = psprintf("writer %d: %s", writer, report.message);
    } else {
        error->sqlerrcode = ERRCODE_INTERNAL_ERROR;
        error->message = psprintf("writer %d exited without recording its end (see the server log)", writer);
    }
    return error;
}

// A writer stopped while no one stopped the run: terminated by
// pg_terminate_backend() or a shutdown.
bool writer_terminated(const WorkerRun* run, int writer) {
    return state_of(run->board->reports[writer]) == WriterState::Stopped;
}

void wait_latch_briefly() {
    (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 100, PG_WAIT_EXTENSION);
    ResetLatch(MyLatch);
    reload_config_if_asked();
}

// However the leader exits (a FATAL too, which records no outcome), the
// writers are told to stop with it.
void stop_writers_at_exit(int, Datum arg) {
    auto* team = reinterpret_cast<WriterTeam*>(DatumGetPointer(arg));
    for (BackgroundWorkerHandle* handle : team->handles)
        if (handle != nullptr) TerminateBackgroundWorker(handle);
}

}  // namespace

void launch_writers(WorkerRun* run) {
    const int writers = static_cast<int>(run->config->writers);
    if (writers <= 1) return;
    auto* team = static_cast<WriterTeam*>(MemoryContextAllocZero(TopMemoryContext, sizeof(WriterTeam)));
    // Outside any transaction, and kept for the worker's life.
    team->segment = dsm_create(sizeof(WriterBoard), 0);
    dsm_pin_mapping(team->segment);
    run->team = team;
    before_shmem_exit(stop_writers_at_exit, PointerGetDatum(team));
    run->board = static_cast<WriterBoard*>(dsm_segment_address(team->segment));
    fill_board(run, run->board);
    for (int w = 1; w < writers; ++w) launch_writer(run, w);
}

void let_writers_go(WorkerRun* run) {
    if (run->board == nullptr) return;
    pg_write_barrier();
    pg_atomic_write_u32(&run->board->go, 1);
}

void record_writer_end(WorkerRun* run) {
    if (run->config->writers <= 1) return;
    const Oid types[] = {INT8OID, INT4OID, LSNOID};
    const Datum values[] = {Int64GetDatum(run->run_id), Int32GetDatum(run->writer + 1),
                            LSNGetDatum(run->last_commit_lsn)};
    const char nulls[] = {' ', ' ', XLogRecPtrIsInvalid(run->last_commit_lsn) ? 'n' : ' '};
    begin_worker_transaction("cdccraft writer: recording its end");
    exec_as_owner(run->catalog_owner,
                  "UPDATE cdccraft.run SET writer_commit_lsns[$2] = $3 WHERE id OPERATOR(pg_catalog.=) $1", 3, types,
                  values, nulls, SPI_OK_UPDATE);
    commit_worker_transaction();
}

void check_writers(WorkerRun* run) {
    if (run->team == nullptr) return;
    for (int w = 1; w < run->config->writers; ++w) {
        if (ErrorData* error = writer_failure(run, w)) finish(run, "failed", error);
        if (writer_terminated(run, w)) {
            run->stop_cause = psprintf(
                "writer %d was terminated by a server shutdown or by pg_terminate_backend(), not stopped with "
                "cdccraft_stop()",
                w);
            finish(run, "stopped", nullptr);
        }
    }
}

void finish_with_writers(WorkerRun* run) {
    ErrorData* error = nullptr;
    if (!run_step(record_writer_end, run, &error)) finish(run, "failed", error);
    for (;;) {
        if (stop_requested()) finish(run, "stopped", nullptr);
        check_writers(run);
        bool all_finished = true;
        for (int w = 1; run->team != nullptr && w < run->config->writers; ++w)
            all_finished = all_finished && state_of(run->board->reports[w]) == WriterState::Finished;
        if (all_finished) finish(run, "completed", nullptr);
        wait_latch_briefly();
    }
}

void end_writers(WorkerRun* run) {
    WriterTeam* team = run->team;
    if (team == nullptr || team->ended) return;
    const int writers = static_cast<int>(run->config->writers);
    for (int w = 1; w < writers; ++w)
        if (team->handles[w] != nullptr) TerminateBackgroundWorker(team->handles[w]);
    for (int w = 1; w < writers; ++w)
        while (!exited(team->handles[w])) wait_latch_briefly();
    team->ended = true;
    team->leader_commit_lsn = run->last_commit_lsn;
    for (int w = 1; w < writers; ++w) {
        const WriterReport& report = run->board->reports[w];
        if (state_of(report) == WriterState::Starting) continue;
        run->other_writers_batches += report.batches;
        run->inserts += report.inserts;
        run->updates += report.updates;
        run->deletes += report.deletes;
        if (report.last_commit_lsn > run->last_commit_lsn) run->last_commit_lsn = report.last_commit_lsn;
    }
}

Datum writer_commit_lsns(const WorkerRun* run) {
    if (run->team == nullptr) return (Datum)0;
    const int writers = static_cast<int>(run->config->writers);
    Datum lsns[kMaxWriters];
    bool nulls[kMaxWriters];
    for (int w = 0; w < writers; ++w) {
        const XLogRecPtr lsn = w == 0 ? run->team->leader_commit_lsn : run->board->reports[w].last_commit_lsn;
        lsns[w] = LSNGetDatum(lsn);
        nulls[w] = XLogRecPtrIsInvalid(lsn);
    }
    int dims[] = {writers};
    int lower_bounds[] = {1};
    return PointerGetDatum(
        construct_md_array(lsns, nulls, 1, dims, lower_bounds, LSNOID, sizeof(XLogRecPtr), true, TYPALIGN_DOUBLE));
}

}  // namespace cdccraft::pg
