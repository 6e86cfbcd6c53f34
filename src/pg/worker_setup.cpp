#include "pg/worker_setup.hpp"

#include "pg/run_outcome.hpp"
#include "pg/run_setup.hpp"
#include "pg/worker_handoff.hpp"
#include "pg/worker_signals.hpp"
#include "pg/writer_team.hpp"

namespace cdccraft::pg {
namespace {

// What setup has created so far, for a message ("table public.t and
// publication t_pub"); "" if nothing.
const char* setup_created_objects(const WorkerRun* run) {
    const char* items[5];
    int n = 0;
    if (OidIsValid(run->schema_oid))
        items[n++] = psprintf("schema %s", quote_identifier(run->config->schema_name.c_str()));
    if (OidIsValid(run->relid)) items[n++] = psprintf("table %s", run->qualified_table);
    if (OidIsValid(run->publication_oid))
        items[n++] = psprintf("publication %s", quote_identifier(run->config->publication_name.c_str()));
    if (run->created_slot) items[n++] = psprintf("slot %s", run->config->slot_name.c_str());
    if (run->created_canary) items[n++] = psprintf("slot %s", run->canary_slot);
    StringInfoData list;
    initStringInfo(&list);
    for (int i = 0; i < n; ++i) {
        if (i > 0) appendStringInfoString(&list, i == n - 1 ? " and " : ", ");
        appendStringInfoString(&list, items[i]);
    }
    return list.data;
}

// Removes what setup created and records the run's outcome before the caller
// of cdccraft_start sees the error, so that a retry finds nothing in its way.
[[noreturn]] void fail_setup(WorkerRun* run, ErrorData* error) {
    const char* created = setup_created_objects(run);
    // Writers launched already write the table setup is about to drop.
    end_writers(run);
    ErrorData* undo_error = nullptr;
    run->handoff.setup_undone = run_step(undo_setup, run, &undo_error);
    if (!run->handoff.setup_undone)
        ereport(WARNING, (errmsg("cdccraft run %lld could not remove what its setup created: %s",
                                 (long long)run->run_id, undo_error->message)));
    record_final_state(run, stop_requested() ? "stopped" : "failed", stop_requested() ? nullptr : error);
    report_setup_failure(run, error, created, undo_error);
    proc_exit(0);
}

// One setup step, cancellable. Its transaction rolls back on failure, so the
// objects it had recorded as created were not; a slot is not transactional
// and keeps its mark.
bool setup_step(void (*step)(WorkerRun*), WorkerRun* run, ErrorData** error) {
    const Oid schema = run->schema_oid;
    const Oid table = run->relid;
    const Oid publication = run->publication_oid;
    if (run_cancellable_step(step, run, error)) return true;
    run->schema_oid = schema;
    run->relid = table;
    run->publication_oid = publication;
    return false;
}

void name_worker(const WorkerRun* run) {
    char name[64];
    snprintf(name, sizeof name, "cdccraft run %lld", (long long)run->run_id);
    SetConfigOption("application_name", name, PGC_USERSET, PGC_S_SESSION);
}

}  // namespace

void set_up_run(WorkerRun* run) {
    ErrorData* error = nullptr;
    if (!run_cancellable_step(setup_record_run, run, &error)) {
        // Nothing was created or recorded yet.
        report_setup_failure(run, error, "", nullptr);
        proc_exit(0);
    }
    name_worker(run);
    run->handoff.shared->run_id = run->run_id;
    if (!setup_step(setup_create_table, run, &error) || !setup_step(setup_insert_snapshot, run, &error) ||
        !setup_step(setup_create_publication, run, &error) || !setup_step(setup_create_slot, run, &error) ||
        !setup_step(setup_mark_running, run, &error) || !setup_step(launch_writers, run, &error) || stop_requested())
        fail_setup(run, error);
    release_caller(run, SetupStatus::Ready);
    run->handoff.setup_finished = true;
    let_writers_go(run);
}

}  // namespace cdccraft::pg
