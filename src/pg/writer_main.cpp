// A run's other writers (writers > 1): background workers that write batches
// beside the leader, each with its own planner, until their share is
// written, the leader stops them (SIGTERM, as a stop does) or a batch fails.
// Each records its end on the board for the leader, which alone records the
// run's outcome. The cancel is held as in the leader (worker_main).
#include "pg/postgres_api.hpp"

#include "pg/core_guard.hpp"
#include "pg/server_encoding.hpp"
#include "pg/worker_batch.hpp"
#include "pg/worker_pacing.hpp"
#include "pg/worker_run.hpp"
#include "pg/worker_settings.hpp"
#include "pg/worker_signals.hpp"
#include "pg/writer_team.hpp"

extern "C" {
PGDLLEXPORT void cdccraft_writer_main(Datum main_arg);
}

using namespace cdccraft;
using namespace cdccraft::pg;

namespace {

bool leader_gone(const WriterBoard* board) {
    return ProcGlobal->allProcs[board->leader_pgprocno].pid != board->leader_pid;
}

// The writer's totals and last commit, on the board after every batch: a
// writer terminated mid-batch (the stop watchdog's FATAL) cannot leave them.
void publish_totals(WorkerRun* run) {
    WriterReport& report = run->board->reports[run->writer];
    report.last_commit_lsn = run->last_commit_lsn;
    report.batches = run->planner != nullptr ? run->planner->batches_planned() : 0;
    report.inserts = run->inserts;
    report.updates = run->updates;
    report.deletes = run->deletes;
}

void write_state(WorkerRun* run, WriterState state) {
    pg_write_barrier();
    pg_atomic_write_u32(&run->board->reports[run->writer].state, static_cast<uint32>(state));
    SetLatch(&ProcGlobal->allProcs[run->board->leader_pgprocno].procLatch);
}

// An exit that leave() did not make (a FATAL: the stop watchdog's, or
// another's) still says how the writer ended.
void on_writer_exit(int, Datum arg) {
    auto* run = reinterpret_cast<WorkerRun*>(DatumGetPointer(arg));
    WriterReport& report = run->board->reports[run->writer];
    const auto state = static_cast<WriterState>(pg_atomic_read_u32(&report.state));
    if (state != WriterState::Starting && state != WriterState::Running) return;
    if (!stop_requested()) {
        report.sqlerrcode = ERRCODE_INTERNAL_ERROR;
        strlcpy(report.message, "the writer exited (see the server log)", sizeof report.message);
    }
    write_state(run, stop_requested() ? WriterState::Stopped : WriterState::Failed);
}

[[noreturn]] void leave(WorkerRun* run, WriterState state, const ErrorData* error) {
    WriterReport& report = run->board->reports[run->writer];
    publish_totals(run);
    if (error != nullptr) {
        report.sqlerrcode = error->sqlerrcode;
        strlcpy(report.message, error->message ? error->message : "unknown error", sizeof report.message);
    }
    write_state(run, state);
    proc_exit(0);
}

// Until the leader says go (every writer started, the caller released), or
// the run ends first.
void await_go(WorkerRun* run) {
    while (pg_atomic_read_u32(&run->board->go) == 0) {
        if (stop_requested() || leader_gone(run->board)) leave(run, WriterState::Stopped, nullptr);
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 50, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
    }
    pg_read_barrier();
}

// The names' spellings for the database read the catalog: a transaction.
void prepare_planner(WorkerRun* run) {
    begin_worker_transaction("cdccraft writer: starting");
    spell_names_for_database(run->planner);
    commit_worker_transaction();
}

}  // namespace

void cdccraft_writer_main(Datum main_arg) {
    HOLD_CANCEL_INTERRUPTS();
    install_worker_signal_handlers();
    int writer = 0;
    memcpy(&writer, MyBgworkerEntry->bgw_extra, sizeof writer);
    CurrentResourceOwner = ResourceOwnerCreate(nullptr, "cdccraft writer");
    dsm_segment* segment = dsm_attach(DatumGetUInt32(main_arg));
    if (segment == nullptr) proc_exit(0);  // the leader is gone already
    dsm_pin_mapping(segment);
    auto* board = static_cast<WriterBoard*>(dsm_segment_address(segment));

    WorkerRun* run = nullptr;
    CDCCRAFT_CORE(run = new WorkerRun());
    run->writer = writer;
    run->board = board;
    run->run_id = board->run_id;
    run->role = board->role;
    run->catalog_owner = board->catalog_owner;
    run->relid = board->relid;
    run->publication_oid = board->publication_oid;
    run->type_oids[0] = board->type_oids[0];
    run->type_oids[1] = board->type_oids[1];
    run->anchor = board->anchor;
    run->lock_timeout_ms = board->lock_timeout_ms;
    run->slot_proof_lsn = board->slot_proof_lsn;
    run->qualified_table = MemoryContextStrdup(TopMemoryContext, board->qualified_table);
    run->key_index = MemoryContextStrdup(TopMemoryContext, board->key_index);
    run->config_wire = MemoryContextStrdup(TopMemoryContext, board->config_wire);
    // No batch before the first: its progress row replaces none.
    run->batches = -1;

    before_shmem_exit(on_writer_exit, PointerGetDatum(run));
    BackgroundWorkerInitializeConnectionByOid(board->database, board->role, 0);
    start_stop_watchdog();
    // now() lands in timestamp columns in the leader's TimeZone, which the
    // truth replays; the role's own setting, changed since, must not move it.
    SetConfigOption("TimeZone", board->time_zone, PGC_USERSET, PGC_S_SESSION);
    pin_worker_settings(run->lock_timeout_ms);
    char name[64];
    snprintf(name, sizeof name, "cdccraft run %lld writer %d", (long long)run->run_id, writer);
    SetConfigOption("application_name", name, PGC_USERSET, PGC_S_SESSION);

    ErrorData* error = nullptr;
    const char* wire = run->config_wire;
    CoreFailure failure;
    BatchPlanner* planner = nullptr;
    if (!core_call([&] { planner = new BatchPlanner(from_wire(wire), writer); }, failure)) {
        ErrorData startup{};
        startup.sqlerrcode = failure.sqlstate;
        startup.message = pstrdup(failure.message);
        leave(run, WriterState::Failed, &startup);
    }
    run->planner = planner;
    CDCCRAFT_CORE(run->plan = new BatchPlan());
    run->config = &planner->config();
    if (!run_step(prepare_planner, run, &error)) leave(run, WriterState::Failed, error);
    write_state(run, WriterState::Running);
    await_go(run);

    TimestampTz started = GetCurrentTimestamp();
    for (;;) {
        reload_config_if_asked();
        if (stop_requested() || leader_gone(board)) leave(run, WriterState::Stopped, nullptr);
        if (run->planner->finished()) {
            if (!run_step(record_writer_end, run, &error)) leave(run, WriterState::Failed, error);
            leave(run, WriterState::Finished, nullptr);
        }
        started += hold_for_slot(run);
        if (stop_requested()) leave(run, WriterState::Stopped, nullptr);
        if (!write_batch(run, &error)) leave(run, stop_requested() ? WriterState::Stopped : WriterState::Failed, error);
        publish_totals(run);
        log_batch(run);
        pace(run, started);
    }
}
