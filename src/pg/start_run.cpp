// cdccraft_start: checks what can be checked in the caller, launches the
// worker, and waits until the worker reports that setup is done or failed.
//
// The caller writes nothing: the worker records the run itself, so it never
// waits for the caller's transaction, and the caller's transaction holds no
// xid that the slot's creation would have to wait for.
#include "pg/postgres_api.hpp"

extern "C" {
#include "access/twophase.h"
#include "utils/timeout.h"
}

#include "pg/core_guard.hpp"
#include "pg/launch_handoff.hpp"
#include "pg/settings.hpp"
#include "pg/start_arguments.hpp"
#include "pg/worker_launch.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(cdccraft_start);
}

namespace cdccraft::pg {
namespace {

void check_server_can_run() {
    if (RecoveryInProgress())
        ereport(ERROR, (errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
                        errmsg("cdccraft cannot start a run on a server in recovery"),
                        errhint("Start the run on the primary.")));
    if (wal_level < WAL_LEVEL_LOGICAL)
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE), errmsg("cdccraft needs wal_level = logical"),
                        errdetail("The server runs with wal_level = %s.", GetConfigOption("wal_level", false, false)),
                        errhint("Set wal_level = logical in postgresql.conf and restart the server.")));

    HeapTuple role = SearchSysCache1(AUTHOID, ObjectIdGetDatum(GetUserId()));
    if (!HeapTupleIsValid(role)) elog(ERROR, "cache lookup failed for role %u", GetUserId());
    const bool can_login = ((Form_pg_authid)GETSTRUCT(role))->rolcanlogin;
    ReleaseSysCache(role);
    if (!can_login)
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("role \"%s\" cannot start a cdccraft run because it cannot log in",
                               GetUserNameFromId(GetUserId(), false)),
                        errdetail("The cdccraft worker connects as the role that starts the run, and on "
                                  "PostgreSQL 15 a background worker can only connect as a role with LOGIN."),
                        errhint("Start the run as a role with LOGIN, or ALTER ROLE ... LOGIN.")));
}

// The worker creates the slot as the calling role. Checked here, as LOGIN is,
// so that a role without REPLICATION is refused before setup inserts its
// snapshot rows and records a run, not after.
void check_role_can_create_slot(const StartArgument* arguments) {
    const bool creates_a_slot =
        argument_of(arguments, Parameter::create_slot).flag || argument_of(arguments, Parameter::verify).flag;
    if (!creates_a_slot || has_rolreplication(GetUserId())) return;
    ereport(ERROR,
            (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
             errmsg("role \"%s\" cannot start a cdccraft run with a replication slot because it lacks REPLICATION",
                    GetUserNameFromId(GetUserId(), false)),
             errdetail("The cdccraft worker creates the run's replication slot as the role that starts the run, and "
                       "only superusers and roles with REPLICATION may create replication slots."),
             errhint("Start the run as a role with REPLICATION, or pass create_slot => false (and verify => false) "
                     "and bring your own slot.")));
}

// The worker sets up in its own transactions while this call waits for it.
// A transaction that has written could hold what setup needs (a lock, or the
// xid that slot creation waits for), and neither side would ever give way.
void check_caller_transaction() {
    if (TransactionIdIsValid(GetTopTransactionIdIfAny()))
        ereport(ERROR, (errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
                        errmsg("cdccraft_start cannot run in a transaction that has already written data"),
                        errdetail("The run's setup happens in the worker's own transactions while "
                                  "cdccraft_start waits for it; creating the slot waits for every transaction "
                                  "that has written data to end, including this one."),
                        errhint("Call cdccraft_start in its own transaction.")));
}

// A prepared batch needs a slot for its prepared transaction.
void check_prepared_transactions(const StartArgument* arguments) {
    if (argument_of(arguments, Parameter::prepare_fraction).number > 0 && max_prepared_xacts == 0)
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("prepare_fraction needs max_prepared_transactions above 0"),
                        errhint("Set max_prepared_transactions (it takes a restart), or pass prepare_fraction => 0.")));
}

// The run's own commits and other databases' WAL count as lag too: a bound
// below one segment might never let the run resume. (The setting's check
// hook refuses such a cdccraft.max_slot_lag when it is set.)
void check_max_slot_lag(const StartArgument* arguments) {
    const int64 max_slot_lag = argument_of(arguments, Parameter::max_slot_lag).integer;
    if (max_slot_lag > 0 && max_slot_lag < wal_segment_size)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("max_slot_lag must be at least one WAL segment (%d bytes)", wal_segment_size),
                        errhint("Pass 0 for no bound.")));
}

BackgroundWorkerHandle* launch_worker(dsm_segment* segment) {
    BackgroundWorker worker;
    prepare_worker_launch(&worker, "cdccraft_worker_main", "cdccraft worker", segment);
    snprintf(worker.bgw_name, BGW_MAXLEN, "cdccraft worker started by PID %d", MyProcPid);
    WorkerLaunchArgs args{MyDatabaseId, GetUserId()};
    memcpy(worker.bgw_extra, &args, sizeof args);

    BackgroundWorkerHandle* handle = nullptr;
    if (!RegisterDynamicBackgroundWorker(&worker, &handle))
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_RESOURCES),
                        errmsg("could not start a cdccraft worker: no background worker slot is free"),
                        errhint("Raise max_worker_processes (now %d), or stop another run.", max_worker_processes)));
    return handle;
}

// How long a cancelled start waits for its worker to stop and undo setup.
constexpr long kStopWaitMs = 10000;

// Waits, as long as kStopWaitMs, for the worker to exit; whether it did.
// Interrupts are held by the caller: nothing here checks for them.
bool wait_for_worker_exit(BackgroundWorkerHandle* handle) {
    const TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), kStopWaitMs);
    for (;;) {
        pid_t pid;
        if (GetBackgroundWorkerPid(handle, &pid) == BGWH_STOPPED) return true;
        const long left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline);
        if (left <= 0) return false;
        // bgw_notify_pid: the postmaster sets the latch when the worker exits.
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, Min(left, 100L), PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
    }
}

// The caller's statement is being cancelled (its statement_timeout, Ctrl+C)
// or its session terminated while the worker sets up. Leaving the run going
// would leave a run whose id the caller never got, holding the names a retry
// needs; so the start undoes its run: it stops the worker (whose SIGTERM path
// during setup removes what setup created), waits for it with interrupts
// held, and raises the cancel saying what became of the run.
[[noreturn]] void cancel_setup(LaunchHandoff* handoff, BackgroundWorkerHandle* handle) {
    HOLD_INTERRUPTS();
    const bool dying = ProcDiePending;
    const char* cause = dying ? "the termination of its session"
                              : (get_timeout_indicator(STATEMENT_TIMEOUT, true) ? "statement timeout" : "user request");
    // Read by the worker when it records why it stopped.
    pg_atomic_write_u32(&handoff->start_cancelled, 1);
    pg_memory_barrier();
    TerminateBackgroundWorker(handle);
    const bool exited = wait_for_worker_exit(handle);
    const auto status = static_cast<SetupStatus>(pg_atomic_read_u32(&handoff->status));
    pg_read_barrier();
    const long long run_id = (long long)handoff->run_id;
    if (status == SetupStatus::Failed && !handoff->stopped) {
        // Setup failed on its own: its error says more than the cancel, and
        // takes the cancel's place.
        RESUME_INTERRUPTS();
        QueryCancelPending = false;
        ereport(ERROR, (errcode(handoff->sqlerrcode), errmsg("%s", handoff->message),
                        handoff->detail[0] ? errdetail("%s", handoff->detail) : 0,
                        handoff->hint[0] ? errhint("%s", handoff->hint) : 0));
    }

    char message[256], detail[1100], hint[256];
    hint[0] = '\0';
    if (status == SetupStatus::Failed) {
        if (run_id != 0)
            snprintf(message, sizeof message,
                     "canceling cdccraft_start due to %s: run %lld was stopped during its setup", cause, run_id);
        else
            snprintf(message, sizeof message,
                     "canceling cdccraft_start due to %s: its run was stopped before it was recorded", cause);
        strlcpy(detail, handoff->detail, sizeof detail);
        strlcpy(hint, handoff->hint, sizeof hint);
    } else if (status == SetupStatus::Ready) {
        snprintf(message, sizeof message, "canceling cdccraft_start due to %s: run %lld had finished its setup", cause,
                 run_id);
        if (exited)
            strlcpy(detail, "The run was stopped; what its setup created remains.", sizeof detail);
        else
            snprintf(detail, sizeof detail, "The run was asked to stop, and its worker had not exited after %ld s.",
                     kStopWaitMs / 1000);
        snprintf(hint, sizeof hint, "cdccraft_cleanup(%lld) removes what the run created, once it has stopped.",
                 run_id);
    } else if (exited) {
        // The worker exited without reporting: it never started, or it failed.
        if (run_id != 0) {
            snprintf(message, sizeof message,
                     "canceling cdccraft_start due to %s: the worker of run %lld exited before its setup finished",
                     cause, run_id);
            strlcpy(detail, "The server log has the worker's error.", sizeof detail);
            snprintf(hint, sizeof hint, "cdccraft_cleanup(%lld) removes what the run created.", run_id);
        } else {
            snprintf(message, sizeof message, "canceling cdccraft_start due to %s", cause);
            strlcpy(detail, "Its worker had recorded no run; nothing was created.", sizeof detail);
        }
    } else {
        if (run_id != 0)
            snprintf(message, sizeof message,
                     "canceling cdccraft_start due to %s: run %lld was asked to stop during its setup", cause, run_id);
        else
            snprintf(message, sizeof message, "canceling cdccraft_start due to %s: its worker was asked to stop",
                     cause);
        snprintf(detail, sizeof detail, "The worker had not exited after %ld s.", kStopWaitMs / 1000);
        strlcpy(hint,
                "cdccraft_runs shows when the run has stopped; cdccraft_cleanup() then removes whatever setup left.",
                sizeof hint);
    }
    RESUME_INTERRUPTS();
    if (dying) {
        // The pending termination ends the session once this is sent.
        ereport(WARNING, (errmsg("%s", message), errdetail("%s", detail), hint[0] ? errhint("%s", hint) : 0));
        CHECK_FOR_INTERRUPTS();
    }
    // This error is the cancel: it must not fire a second time.
    QueryCancelPending = false;
    ereport(ERROR, (errcode(ERRCODE_QUERY_CANCELED), errmsg("%s", message), errdetail("%s", detail),
                    hint[0] ? errhint("%s", hint) : 0));
    pg_unreachable();
}

// Whether CHECK_FOR_INTERRUPTS() would now act on a cancel or termination of
// the caller.
bool caller_interrupted() {
    if (InterruptHoldoffCount != 0 || CritSectionCount != 0) return false;
    return ProcDiePending || (QueryCancelPending && QueryCancelHoldoffCount == 0);
}

// Waits for the worker's setup outcome. A cancel meanwhile undoes the run
// (cancel_setup).
int64 await_setup(LaunchHandoff* handoff, BackgroundWorkerHandle* handle) {
    for (;;) {
        // Before the outcome: a cancel that comes with Ready stops the run too,
        // rather than leaving it going without its id returned.
        if (caller_interrupted()) cancel_setup(handoff, handle);
        const auto status = static_cast<SetupStatus>(pg_atomic_read_u32(&handoff->status));
        if (status != SetupStatus::Pending) {
            pg_read_barrier();
            if (status == SetupStatus::Ready) return handoff->run_id;
            ereport(ERROR, (errcode(handoff->sqlerrcode), errmsg("%s", handoff->message),
                            handoff->detail[0] ? errdetail("%s", handoff->detail) : 0,
                            handoff->hint[0] ? errhint("%s", handoff->hint) : 0));
        }
        pid_t pid;
        if (GetBackgroundWorkerPid(handle, &pid) == BGWH_STOPPED &&
            pg_atomic_read_u32(&handoff->status) == static_cast<uint32>(SetupStatus::Pending)) {
            if (handoff->run_id != 0)
                ereport(ERROR, (errcode(ERRCODE_CONNECTION_FAILURE),
                                errmsg("cdccraft worker of run %lld exited before its setup finished",
                                       (long long)handoff->run_id),
                                errhint("The server log has the worker's error; cdccraft_cleanup(%lld) removes "
                                        "what the run created.",
                                        (long long)handoff->run_id)));
            ereport(ERROR,
                    (errcode(ERRCODE_CONNECTION_FAILURE), errmsg("cdccraft worker exited before its setup finished"),
                     errhint("The server log has the worker's error.")));
        }
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 1000, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        if (caller_interrupted()) cancel_setup(handoff, handle);
        CHECK_FOR_INTERRUPTS();
    }
}

}  // namespace
}  // namespace cdccraft::pg

using namespace cdccraft::pg;

extern "C" Datum cdccraft_start(PG_FUNCTION_ARGS) {
    StartArgument arguments[cdccraft::kParameterCount];
    read_start_arguments(fcinfo, arguments);
    check_server_can_run();
    check_role_can_create_slot(arguments);
    check_caller_transaction();
    check_max_slot_lag(arguments);
    // After the parameters' own checks: what the server lacks comes second.
    const char* wire = build_config_wire(arguments);
    check_prepared_transactions(arguments);

    dsm_segment* segment = dsm_create(sizeof(LaunchHandoff), 0);
    auto* handoff = static_cast<LaunchHandoff*>(dsm_segment_address(segment));
    memset(handoff, 0, sizeof *handoff);
    handoff->caller_pgprocno = MyProc->pgprocno;
    pg_atomic_init_u32(&handoff->status, static_cast<uint32>(SetupStatus::Pending));
    pg_atomic_init_u32(&handoff->start_cancelled, 0);
    strlcpy(handoff->config_wire, wire, sizeof handoff->config_wire);

    BackgroundWorkerHandle* handle = launch_worker(segment);
    const int64 run_id = await_setup(handoff, handle);
    dsm_detach(segment);
    PG_RETURN_INT64(run_id);
}
