// A run's truth, replayed: its ledger read as the caller may see it, and its
// planner rerun from the seed batch by batch, each batch's changes listed
// by the core (core/batch_changes). cdccraft_changes prints them;
// cdccraft_verify holds the canary slot against them.
//
// The catalog holds what the seed cannot know: each committed transaction's
// xid, commit LSN and now(); the local time purchased_at counts back from;
// the worker's TimeZone. Memory holds the planner (the live-key set), the
// ledger (32 bytes a batch) and one batch.
#pragma once

#include "pg/postgres_api.hpp"

#include "core/batch_changes.hpp"

namespace cdccraft::pg {

// One committed transaction of the run, as its ledger has it.
struct LoggedBatch {
    int64 batch;
    Datum xid;              // xid8
    XLogRecPtr commit_lsn;  // invalid while unknown (the newest batch of a live or dead worker)
    Timestamp now_local;    // now() in the worker's TimeZone: created_at and updated_at
    int32 writer;           // which of the run's writers committed it
};

struct RunReplay;

// The run as the caller may see it (42704 otherwise), ready to replay; its
// C++ state is freed with query_context, an error's abort included.
RunReplay* open_replay(int64 run_id, MemoryContext query_context);

// The next batch's changes, or the snapshot's (batch 0) chunk by chunk, in
// commit order (the batches' order for a run of one writer; with several,
// each writer's planner replays its own, and commit positions interleave
// them); false after the last. The changes are valid until the next call.
bool replay_next(RunReplay* replay, const LoggedBatch** batch, const std::vector<PlannedChange>** changes);

// The batches rolled back that the last replay_next passed over (the ones
// that emitted a non-transactional message), valid until the next call.
const int64_t* replay_passed_over(const RunReplay* replay, size_t* count);

// The position up to which the truth knows every commit after the snapshot:
// the newest known commit, or, with several writers, the last known commit
// of the earliest writer whose newest batch's commit is not known yet;
// invalid if none.
XLogRecPtr replay_last_known_commit(const RunReplay* replay);

// About the batch replay_next gave last.
bool replay_changed_schema(const RunReplay* replay);
const SchemaState& replay_schema(const RunReplay* replay);
const RunConfig& replay_config(const RunReplay* replay);
// The run's table, quoted and schema-qualified, as its DDL names it.
const char* replay_qualified_table(const RunReplay* replay);
const char* replay_key_index(const RunReplay* replay);
int64 replay_run_id(const RunReplay* replay);

// Values as the calling session prints them (the types' output functions,
// as psql, COPY and pgoutput's text format do); palloc'd; column_text gives
// NULL for a NULL.
struct ValuePrinter;
// In CurrentMemoryContext, which must outlive every call that prints.
ValuePrinter* make_value_printer();
char* key_text(ValuePrinter* printer, const Uuid& key);
// key: the change's key_text, which the key column's value is.
const char* column_text(ValuePrinter* printer, const RunReplay* replay, const PlannedChange& change,
                        const ChangedColumn& column, const LoggedBatch& batch, const char* key);

}  // namespace cdccraft::pg
