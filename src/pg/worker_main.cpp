// The cdccraft background worker: worker_spi's skeleton around a run.
//
// SIGTERM (server shutdown, pg_terminate_backend, cdccraft_stop) stops the
// run: the batch in flight is cancelled and rolls back whole, and the run is
// recorded as stopped; its last_error says why unless cdccraft_stop asked
// (stop_lock.hpp). SIGINT keeps PostgreSQL's meaning, a cancel of the
// statement in flight (PostgreSQL's lock_timeout sends it too), and fails the
// run with that error.
//
// Query cancel is held for the worker's whole life and let through only while
// a batch or a setup step runs (attempt_cancellable), where a cancel is an
// ERROR that attempt() catches and the step rolls back. Anywhere else a
// pending cancel would become an ERROR at the next interrupt check (errfinish()
// makes one after every LOG line), which no one catches: the worker would exit
// without recording its outcome.
#include "pg/postgres_api.hpp"

#include "pg/batch_executor.hpp"
#include "pg/core_guard.hpp"
#include "pg/launch_handoff.hpp"
#include "pg/run_catalog.hpp"
#include "pg/run_integrity.hpp"
#include "pg/run_setup.hpp"
#include "pg/stop_lock.hpp"
#include "pg/worker_run.hpp"
#include "pg/worker_settings.hpp"

extern "C" {
PGDLLEXPORT void cdccraft_worker_main(Datum main_arg);
}

namespace cdccraft::pg {
namespace {

volatile sig_atomic_t stop_requested = false;
// The run's cdccraft.lock_timeout, as its caller had it (RunConfig).
int64 run_lock_timeout_ms = 0;

void handle_stop_signal(SIGNAL_ARGS) {
    const int save_errno = errno;
    stop_requested = true;
    if (!proc_exit_inprogress) {
        InterruptPending = true;
        QueryCancelPending = true;
    }
    SetLatch(MyLatch);
    errno = save_errno;
}

// The segment shared with cdccraft_start, attached for the worker's life.
LaunchHandoff* handoff = nullptr;
// Whether the caller still waits for setup's outcome.
bool caller_waiting = false;
bool setup_finished = false;
bool setup_undone = false;  // a failed setup's objects were all removed

void release_caller(SetupStatus status) {
    if (!caller_waiting) return;
    pg_write_barrier();
    pg_atomic_write_u32(&handoff->status, static_cast<uint32>(status));
    SetLatch(&ProcGlobal->allProcs[handoff->caller_pgprocno].procLatch);
    caller_waiting = false;
}

// Whether the caller of cdccraft_start stopped the run because its call was
// cancelled (it sets the flag before it signals the worker).
bool start_cancelled() {
    if (handoff == nullptr) return false;
    const bool cancelled = pg_atomic_read_u32(&handoff->start_cancelled) != 0;
    pg_read_barrier();
    return cancelled;
}

// What setup has created so far, for a message ("table public.t and
// publication t_pub"); "" if nothing.
const char* created_objects(const WorkerRun* run) {
    const char* items[4];
    int n = 0;
    if (run->created_schema) items[n++] = psprintf("schema %s", quote_identifier(run->config->schema_name.c_str()));
    if (run->created_table) items[n++] = psprintf("table %s", run->qualified_table);
    if (run->created_publication)
        items[n++] = psprintf("publication %s", quote_identifier(run->config->publication_name.c_str()));
    if (run->created_slot) items[n++] = psprintf("slot %s", run->config->slot_name.c_str());
    StringInfoData list;
    initStringInfo(&list);
    for (int i = 0; i < n; ++i) {
        if (i > 0) appendStringInfoString(&list, i == n - 1 ? " and " : ", ");
        appendStringInfoString(&list, items[i]);
    }
    return list.data;
}

// created: what setup had created (created_objects), now removed unless
// undo_error says otherwise.
void report_setup_failure(const ErrorData* error, const WorkerRun* run, const char* created,
                          const ErrorData* undo_error) {
    if (!caller_waiting) return;
    if (stop_requested) {
        handoff->stopped = true;
        handoff->sqlerrcode = ERRCODE_QUERY_CANCELED;
        if (run->run_id != 0)
            snprintf(handoff->message, sizeof handoff->message, "cdccraft run %lld was stopped during its setup",
                     (long long)run->run_id);
        else
            strlcpy(handoff->message, "the cdccraft run was stopped during its setup, before it was recorded",
                    sizeof handoff->message);
        if (created[0] == '\0') {
            strlcpy(handoff->detail, "Its setup had created nothing yet.", sizeof handoff->detail);
        } else if (undo_error == nullptr) {
            snprintf(handoff->detail, sizeof handoff->detail, "What its setup had created was removed: %s.", created);
        } else {
            snprintf(handoff->detail, sizeof handoff->detail,
                     "What its setup had created could not all be removed (%s): %s.", undo_error->message, created);
            snprintf(handoff->hint, sizeof handoff->hint, "cdccraft_cleanup(%lld) removes what remains.",
                     (long long)run->run_id);
        }
    } else {
        handoff->sqlerrcode = error->sqlerrcode;
        strlcpy(handoff->message, error->message ? error->message : "", sizeof handoff->message);
        strlcpy(handoff->detail, error->detail ? error->detail : "", sizeof handoff->detail);
        strlcpy(handoff->hint, error->hint ? error->hint : "", sizeof handoff->hint);
    }
    release_caller(SetupStatus::Failed);
}

// Why a stopped run stopped, as its last_error: NULL for a user's stop
// (cdccraft_stop holds the stop lock while it waits for the worker). Needs a
// transaction, for the lock test.
const char* stop_reason(const WorkerRun* run) {
    if (start_cancelled()) {
        if (setup_finished)
            return "cdccraft_start was canceled just as the run's setup finished; the run was stopped, and what "
                   "setup created remains";
        return setup_undone ? "cdccraft_start was canceled during the run's setup, and what setup had created was "
                              "removed"
                            : "cdccraft_start was canceled during the run's setup, and what setup had created could "
                              "not all be removed";
    }
    if (stop_lock_held(run->run_id)) return nullptr;
    return "the worker was terminated by a server shutdown or by pg_terminate_backend(), not stopped with "
           "cdccraft_stop()";
}

// The outcome that record_outcome writes (attempt() passes only the run).
const char* final_state = nullptr;
const char* final_error = nullptr;

void record_outcome(WorkerRun* run) {
    char activity[96];
    snprintf(activity, sizeof activity, "cdccraft run %lld: recording its outcome", (long long)run->run_id);
    begin_worker_transaction(activity);
    // Tested here, while a stopping cdccraft_stop still waits for the worker.
    if (strcmp(final_state, "stopped") == 0) final_error = stop_reason(run);
    catalog_finish(run, final_state, final_error);
    commit_worker_transaction();
}

// The failure as the run's last_error: the error's message and detail, and
// for a lock wait, which wait it was.
const char* describe_failure(const WorkerRun* run, const ErrorData* error) {
    if (error == nullptr) return nullptr;
    const char* text = error->message ? error->message : "unknown error";
    if (error->detail) text = psprintf("%s (%s)", text, error->detail);
    if (error->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE)
        text = psprintf(
            "a wait for a lock another session holds took longer than cdccraft.lock_timeout (%lld ms), after "
            "%lld committed batches: %s",
            (long long)run_lock_timeout_ms, (long long)run->batches, text);
    return text;
}

// Records the run's final state and logs it. A stop (a stopped run's error is
// NULL) records why it came; a second stop signal meanwhile changes nothing,
// since the cancel is held.
void record_final_state(WorkerRun* run, const char* state, const ErrorData* error) {
    final_state = state;
    final_error = describe_failure(run, error);
    ErrorData* bookkeeping_error = nullptr;
    if (run->run_id != 0 && !attempt(record_outcome, run, &bookkeeping_error))
        ereport(WARNING, (errmsg("cdccraft run %lld could not record its outcome (%s): %s", (long long)run->run_id,
                                 state, bookkeeping_error->message)));
    ereport(LOG, (errmsg("cdccraft run %lld %s: %lld batches, inserts %lld, updates %lld, deletes %lld",
                         (long long)run->run_id, state, (long long)run->batches, (long long)run->inserts,
                         (long long)run->updates, (long long)run->deletes),
                  final_error ? errdetail("%s", final_error) : 0));
}

[[noreturn]] void finish(WorkerRun* run, const char* state, const ErrorData* error) {
    record_final_state(run, state, error);
    proc_exit(0);
}

// After a step failed: a stop's cancel (or any failure once a stop came)
// ends the run stopped, anything else failed with its error.
[[noreturn]] void finish_after_error(WorkerRun* run, const ErrorData* error) {
    if (stop_requested) finish(run, "stopped", nullptr);
    finish(run, "failed", error);
}

// Removes what setup created and records the run's outcome before the caller
// of cdccraft_start sees the error, so that a retry finds nothing in its way.
[[noreturn]] void fail_setup(WorkerRun* run, ErrorData* error) {
    const char* created = created_objects(run);
    ErrorData* undo_error = nullptr;
    setup_undone = attempt(undo_setup, run, &undo_error);
    if (!setup_undone)
        ereport(WARNING, (errmsg("cdccraft run %lld could not remove what its setup created: %s",
                                 (long long)run->run_id, undo_error->message)));
    record_final_state(run, stop_requested ? "stopped" : "failed", stop_requested ? nullptr : error);
    report_setup_failure(error, run, created, undo_error);
    proc_exit(0);
}

// One setup step, cancellable. Its transaction rolls back on failure, so the
// objects it had marked as created were not; a slot is not transactional and
// keeps its mark.
bool setup_step(void (*step)(WorkerRun*), WorkerRun* run, ErrorData** error) {
    const bool schema = run->created_schema;
    const bool table = run->created_table;
    const bool publication = run->created_publication;
    if (attempt_cancellable(step, run, error)) return true;
    run->created_schema = schema;
    run->created_table = table;
    run->created_publication = publication;
    return false;
}

// Planning needs no transaction; the batch's transaction then starts with
// an activity that says what it does.
void run_batch(WorkerRun* run) {
    CDCCRAFT_CORE(run->planner->plan_batch(*run->plan));
    const BatchPlan& plan = *run->plan;
    char activity[160];
    snprintf(activity, sizeof activity, "cdccraft run %lld: batch %lld: insert %zu, %s %lld%s", (long long)run->run_id,
             (long long)plan.batch_number, plan.insert_keys.size(),
             plan.mutation == MutationKind::Delete ? "delete" : "update",
             (long long)(plan.delete_keys.size() + plan.updated_rows()), plan.evolution ? ", evolve" : "");
    begin_worker_transaction(activity);

    if (plan.evolution) execute_evolution(run);
    execute_inserts(run);
    const int64 updates = execute_updates(run);
    const int64 deletes = execute_deletes(run);
    const int64 inserts = static_cast<int64>(plan.insert_keys.size());
    check_run_objects_intact(run);
    catalog_record_batch(run, inserts, updates, deletes);
    commit_worker_transaction();

    run->batches = plan.batch_number;
    run->inserts += inserts;
    run->updates += updates;
    run->deletes += deletes;
}

void log_batch(const WorkerRun* run) {
    const BatchPlan& plan = *run->plan;
    if (plan.evolution) {
        const ColumnSpec& col = column_spec(plan.evolution->column);
        ereport(LOG, (errmsg("cdccraft run %lld: [Batch %lld] %s column '%.*s'", (long long)run->run_id,
                             (long long)plan.batch_number,
                             plan.evolution->action == EvolutionAction::Add ? "Added" : "Dropped",
                             static_cast<int>(col.name.size()), col.name.data())));
    }
    if (plan.batch_number % 10 == 0)
        ereport(LOG, (errmsg("cdccraft run %lld: [Batch %lld] Inserts: %lld, Updates: %lld, Deletes: %lld",
                             (long long)run->run_id, (long long)plan.batch_number, (long long)run->inserts,
                             (long long)run->updates, (long long)run->deletes)));
}

void reload_config_if_asked() {
    if (!ConfigReloadPending) return;
    ConfigReloadPending = false;
    ProcessConfigFile(PGC_SIGHUP);
}

// Holds the run to changes_per_second, waiting on the latch so that a stop
// request or postmaster death ends the wait at once.
void pace(const WorkerRun* run, TimestampTz started) {
    const double rate = run->config->changes_per_second;
    if (rate <= 0) return;
    const double changes = static_cast<double>(run->inserts + run->updates + run->deletes);
    const TimestampTz due = started + static_cast<int64>(changes / rate * USECS_PER_SEC);
    for (;;) {
        CHECK_FOR_INTERRUPTS();
        const TimestampTz now = GetCurrentTimestamp();
        if (stop_requested || now >= due) break;
        const long wait_ms = Max(1L, static_cast<long>((due - now) / 1000));
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, wait_ms, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        reload_config_if_asked();
    }
}

// The state that record_state writes (attempt() passes only the run).
const char* next_state = nullptr;

// Records next_state. A stop arriving meanwhile is honoured after it, not by
// failing the bookkeeping: attempt() keeps the cancel held.
void record_state(WorkerRun* run) {
    char activity[96];
    snprintf(activity, sizeof activity, "cdccraft run %lld: now %s", (long long)run->run_id, next_state);
    begin_worker_transaction(activity);
    catalog_set_state(run, next_state);
    commit_worker_transaction();
}

// Pauses generation while the run's slot is further behind than
// max_slot_lag, with the run 'paused' meanwhile; returns how long it paused,
// so that pacing does not make up for the pause in a burst.
TimestampTz hold_for_slot(WorkerRun* run) {
    const int64 max_lag = run->config->max_slot_lag;
    if (max_lag <= 0 || slot_lag_bytes(run) <= max_lag) return 0;
    const TimestampTz paused_at = GetCurrentTimestamp();
    ErrorData* error = nullptr;
    next_state = "paused";
    if (!attempt(record_state, run, &error)) finish_after_error(run, error);
    ereport(LOG, (errmsg("cdccraft run %lld paused: slot \"%s\" is %lld bytes behind, more than max_slot_lag %lld",
                         (long long)run->run_id, run->config->slot_name.c_str(), (long long)slot_lag_bytes(run),
                         (long long)max_lag)));
    while (!stop_requested && slot_lag_bytes(run) > max_lag) {
        CHECK_FOR_INTERRUPTS();
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 200, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        reload_config_if_asked();
    }
    if (stop_requested) return 0;
    next_state = "running";
    if (!attempt(record_state, run, &error)) finish_after_error(run, error);
    ereport(LOG, (errmsg("cdccraft run %lld resumed: its slot caught up", (long long)run->run_id)));
    return GetCurrentTimestamp() - paused_at;
}

void name_worker(const WorkerRun* run) {
    char name[64];
    snprintf(name, sizeof name, "cdccraft run %lld", (long long)run->run_id);
    SetConfigOption("application_name", name, PGC_USERSET, PGC_S_SESSION);
}

WorkerRun* new_worker_run() {
    WorkerRun* run = nullptr;
    CDCCRAFT_CORE(run = new WorkerRun());
    return run;
}

}  // namespace
}  // namespace cdccraft::pg

using namespace cdccraft::pg;

void cdccraft_worker_main(Datum main_arg) {
    // For the worker's whole life; attempt_cancellable() lets it through.
    HOLD_CANCEL_INTERRUPTS();
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, handle_stop_signal);
    pqsignal(SIGINT, StatementCancelHandler);
    BackgroundWorkerUnblockSignals();

    WorkerLaunchArgs args;
    memcpy(&args, MyBgworkerEntry->bgw_extra, sizeof args);
    CurrentResourceOwner = ResourceOwnerCreate(nullptr, "cdccraft worker");
    dsm_segment* segment = dsm_attach(DatumGetUInt32(main_arg));
    if (segment == nullptr) {
        // The caller gave up before the worker started; nothing was created.
        ereport(LOG, (errmsg("cdccraft worker exiting: the session that started it is gone")));
        proc_exit(0);
    }
    dsm_pin_mapping(segment);
    handoff = static_cast<LaunchHandoff*>(dsm_segment_address(segment));
    caller_waiting = true;
    const char* config_wire = MemoryContextStrdup(TopMemoryContext, handoff->config_wire);
    CoreFailure failure;
    if (!core_call([&] { run_lock_timeout_ms = cdccraft::from_wire(config_wire).lock_timeout_ms; }, failure)) {
        handoff->sqlerrcode = failure.sqlstate;
        strlcpy(handoff->message, failure.message, sizeof handoff->message);
        release_caller(SetupStatus::Failed);
        proc_exit(0);
    }

    BackgroundWorkerInitializeConnectionByOid(args.database, args.role, 0);
    pin_worker_settings(run_lock_timeout_ms);
    SetConfigOption("application_name", "cdccraft run (starting)", PGC_USERSET, PGC_S_SESSION);

    WorkerRun* run = new_worker_run();
    run->role = args.role;
    run->config_wire = config_wire;
    ErrorData* error = nullptr;
    if (!attempt_cancellable(setup_record_run, run, &error)) {
        // Nothing was created or recorded yet.
        report_setup_failure(error, run, "", nullptr);
        proc_exit(0);
    }
    name_worker(run);
    handoff->run_id = run->run_id;
    if (!setup_step(setup_create_table, run, &error) || !setup_step(setup_insert_snapshot, run, &error) ||
        !setup_step(setup_create_publication, run, &error) || !setup_step(setup_create_slot, run, &error) ||
        !setup_step(setup_mark_running, run, &error) || stop_requested)
        fail_setup(run, error);
    release_caller(SetupStatus::Ready);
    setup_finished = true;

    TimestampTz started = GetCurrentTimestamp();
    for (;;) {
        reload_config_if_asked();
        if (stop_requested) finish(run, "stopped", nullptr);
        if (run->planner->finished()) finish(run, "completed", nullptr);
        started += hold_for_slot(run);
        if (stop_requested) finish(run, "stopped", nullptr);
        if (!attempt_cancellable(run_batch, run, &error)) finish_after_error(run, error);
        log_batch(run);
        pace(run, started);
    }
}
