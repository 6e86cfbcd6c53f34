// cdccraft_verify: the run's canary slot, decoded from where the last verify
// stopped, held against the truth (run_replay) by the core's StreamVerifier.
//
// The canary is the run's by the same proof as its slot (cdccraft.claims_of):
// a slot of its name whose restart_lsn is below the proof. Verifying peeks
// at it and, once the verdict is recorded, advances it to where it stopped:
// never past the WAL position read while the canary was found proven, and
// that position is the new proof (no slot made after it can start before
// it, and the canary's restart_lsn stays below it).
// What the canary no longer holds when verify starts (someone advanced it
// past where the last verify stopped) is a gap: those transactions are
// reported as skipped.
#include "pg/postgres_api.hpp"

#include "core/stream_verifier.hpp"
#include "pg/batch_executor.hpp"
#include "pg/catalog_access.hpp"
#include "pg/claims.hpp"
#include "pg/core_guard.hpp"
#include "pg/run_replay.hpp"

extern "C" {
#include "replication/slot.h"
#include "storage/lwlock.h"
#include "storage/spin.h"
#include "utils/lsyscache.h"
#include "utils/pg_lsn.h"
PG_FUNCTION_INFO_V1(cdccraft_verify);
}

using namespace cdccraft;
using namespace cdccraft::pg;

namespace {

// LSN_FORMAT_ARGS, whose type check C++ cannot compile.
#define LSN_PARTS(lsn) static_cast<uint32>((lsn) >> 32), static_cast<uint32>(lsn)

struct Canary {
    const char* slot;
    const char* publication;
    XLogRecPtr proof;
    XLogRecPtr verified;  // where the last verify stopped
};

struct CanaryState {
    bool found;
    XLogRecPtr restart, confirmed;
    Oid database;
    XLogRecPtr now;  // the WAL insert position, read with the slot
};

// The verifier, freed with its memory context, an error's abort included.
struct VerifierHolder {
    StreamVerifier* verifier;
    MemoryContextCallback on_reset;
};

void free_verifier(void* arg) { delete static_cast<VerifierHolder*>(arg)->verifier; }

Canary read_canary(int64 run_id) {
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    const Oid types[] = {INT8OID};
    const Datum values[] = {Int64GetDatum(run_id)};
    exec_as_owner(
        catalog_owner(),
        "SELECT canary_slot::pg_catalog.text, publication_name, canary_proof_lsn, verified_lsn, "
        "origin OPERATOR(pg_catalog.=) cdccraft.origin() FROM cdccraft.run WHERE id OPERATOR(pg_catalog.=) $1",
        1, types, values, nullptr, SPI_OK_SELECT);
    if (SPI_processed != 1)
        ereport(ERROR,
                (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("cdccraft run %lld does not exist", (long long)run_id)));
    HeapTuple row = SPI_tuptable->vals[0];
    TupleDesc desc = SPI_tuptable->tupdesc;
    Canary c{};
    bool isnull;
    const char* slot = SPI_getvalue(row, desc, 1);
    if (slot == nullptr)
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("cdccraft run %lld has no canary slot", (long long)run_id),
                        errhint("Start the run with verify => true.")));
    // LSNs and slots mean something only in the cluster and database where
    // the run ran.
    if (!DatumGetBool(SPI_getbinval(row, desc, 5, &isnull)))
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("cdccraft run %lld was restored from a dump of another database", (long long)run_id),
                        errdetail("Its canary slot, if any, is there.")));
    c.slot = MemoryContextStrdup(TopTransactionContext, slot);
    c.publication = MemoryContextStrdup(TopTransactionContext, SPI_getvalue(row, desc, 2));
    const Datum proof = SPI_getbinval(row, desc, 3, &isnull);
    if (isnull)
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("the canary slot %s of cdccraft run %lld was cleaned up", c.slot, (long long)run_id)));
    c.proof = DatumGetLSN(proof);
    const Datum verified = SPI_getbinval(row, desc, 4, &isnull);
    c.verified = isnull ? InvalidXLogRecPtr : DatumGetLSN(verified);
    SPI_finish();
    return c;
}

// Under the lock that every slot creation and drop takes exclusively, so
// that the position read is after the canary found.
CanaryState look_at_canary(const char* name) {
    CanaryState s{};
    LWLockAcquire(ReplicationSlotControlLock, LW_SHARED);
    ReplicationSlot* slot = SearchNamedReplicationSlot(name, false);
    if (slot != nullptr) {
        s.found = true;
        SpinLockAcquire(&slot->mutex);
        s.restart = slot->data.restart_lsn;
        s.confirmed = slot->data.confirmed_flush;
        s.database = slot->data.database;
        SpinLockRelease(&slot->mutex);
    }
    s.now = GetXLogInsertRecPtr();
    LWLockRelease(ReplicationSlotControlLock);
    return s;
}

// Feeds the verifier the next batch of the truth after from and up to upto;
// batches at or before skipped_to the canary no longer holds. False when the
// truth has no more.
bool feed_batch(RunReplay* replay, StreamVerifier* verifier, ValuePrinter* printer, XLogRecPtr from,
                XLogRecPtr skipped_to, XLogRecPtr upto) {
    const LoggedBatch* batch = nullptr;
    const std::vector<PlannedChange>* changes = nullptr;
    for (;;) {
        if (!replay_next(replay, &batch, &changes)) return false;
        // The snapshot predates the canary.
        if (batch->batch == 0) continue;
        size_t passed = 0;
        const int64_t* rolled_back = replay_passed_over(replay, &passed);
        for (size_t i = 0; i < passed && batch->commit_lsn > from; ++i)
            CDCCRAFT_CORE(verifier->rolled_back_message(rolled_back[i]));
        if (XLogRecPtrIsInvalid(batch->commit_lsn) || batch->commit_lsn > upto) return false;
        if (batch->commit_lsn <= from) continue;
        break;
    }
    const bool skipped = batch->commit_lsn <= skipped_to;
    const uint32 xid = static_cast<uint32>(DatumGetUInt64(batch->xid));
    const bool schema_changed = replay_changed_schema(replay);
    CDCCRAFT_CORE(verifier->draft_begin(batch->batch, xid, batch->commit_lsn, schema_changed));
    const SchemaState& schema = replay_schema(replay);
    for (ColumnId id : schema.columns()) CDCCRAFT_CORE(verifier->draft_column(schema.shape(id).name));
    for (const PlannedChange& change : *changes) {
        if (change.op == ChangeOp::Ddl) continue;
        if (change.op == ChangeOp::Truncate) {
            CDCCRAFT_CORE(verifier->draft_change(change.op, ""));
            continue;
        }
        if (change.op == ChangeOp::Message && change.nontransactional) {
            CDCCRAFT_CORE(verifier->draft_nontransactional_message());
            continue;
        }
        if (change.op == ChangeOp::Message) {
            const char* content = batch_message_content(replay_run_id(replay), batch->batch);
            CDCCRAFT_CORE({
                verifier->draft_change(change.op, "");
                verifier->draft_value("prefix", "cdccraft");
                verifier->draft_value("content", content);
            });
            continue;
        }
        const char* key = key_text(printer, *change.key);
        CDCCRAFT_CORE(verifier->draft_change(change.op, key));
        if (skipped) continue;
        for (size_t i = 0; i < change.column_count; ++i) {
            const ChangedColumn& column = change.columns[i];
            const ColumnSpec shape = schema.shape(column.column);
            const std::string_view name = shape.name;
            const char* text = column_text(printer, replay, change, column, *batch, key);
            if (text == nullptr)
                CDCCRAFT_CORE(verifier->draft_null(name));
            else
                CDCCRAFT_CORE(verifier->draft_value(name, text));
        }
    }
    if (skipped)
        CDCCRAFT_CORE(verifier->draft_skip());
    else
        CDCCRAFT_CORE(verifier->draft_expect());
    return true;
}

// What feed_truth needs, for one verify.
struct TruthFeed {
    RunReplay* replay;
    StreamVerifier* verifier;
    ValuePrinter* printer;
    MemoryContext batch_context;
    XLogRecPtr from, skipped_to, upto;
};

// feed_batch with its texts printed in the feed's batch context: the
// verifier copies them, so the context is reset for each batch, and memory
// holds one batch's texts at a time.
bool feed_truth(const TruthFeed& feed) {
    MemoryContextReset(feed.batch_context);
    MemoryContext caller = MemoryContextSwitchTo(feed.batch_context);
    const bool fed = feed_batch(feed.replay, feed.verifier, feed.printer, feed.from, feed.skipped_to, feed.upto);
    MemoryContextSwitchTo(caller);
    return fed;
}
}  // namespace

Datum cdccraft_verify(PG_FUNCTION_ARGS) {
    if (PG_ARGISNULL(0)) ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("run_id must not be NULL")));
    const int64 run_id = PG_GETARG_INT64(0);
    // NOLINTBEGIN(bugprone-implicit-widening-of-multiplication-result): PostgreSQL's own sizes
    MemoryContext verify_context =
        AllocSetContextCreate(CurrentMemoryContext, "cdccraft verify", ALLOCSET_DEFAULT_SIZES);
    // NOLINTEND(bugprone-implicit-widening-of-multiplication-result)
    MemoryContext caller = MemoryContextSwitchTo(verify_context);

    // The run as the caller may see it, then its canary.
    RunReplay* replay = open_replay(run_id, verify_context);
    const Canary canary = read_canary(run_id);
    const CanaryState state = look_at_canary(canary.slot);
    if (!state.found)
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
                        errmsg("the canary slot %s of cdccraft run %lld is gone", canary.slot, (long long)run_id),
                        errdetail("Someone dropped it; the run can no longer be verified.")));
    if (!slot_proven(state.restart, state.database, canary.proof))
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("the replication slot %s is not provably the canary of cdccraft run %lld", canary.slot,
                               (long long)run_id),
                        errdetail("Its restart_lsn %X/%X is not before %X/%X, where the run last saw its canary.",
                                  LSN_PARTS(state.restart), LSN_PARTS(canary.proof))));

    // Up to the newest commit the truth knows the position of (a live run's
    // newest batch is known once the next one commits), and never past the
    // new proof.
    XLogRecPtr upto = replay_last_known_commit(replay);
    if (upto > state.now) upto = state.now;
    const XLogRecPtr from = XLogRecPtrIsInvalid(canary.verified) ? state.confirmed : canary.verified;
    const XLogRecPtr skipped_to = state.confirmed > from ? state.confirmed : from;

    auto* holder = static_cast<VerifierHolder*>(palloc0(sizeof(VerifierHolder)));
    holder->on_reset.func = free_verifier;
    holder->on_reset.arg = holder;
    MemoryContextRegisterResetCallback(verify_context, &holder->on_reset);
    const RunConfig& config = replay_config(replay);
    const char* schema = config.schema_name.c_str();
    const char* table = config.table_name.c_str();
    CDCCRAFT_CORE(holder->verifier = new StreamVerifier(schema, table));
    StreamVerifier* verifier = holder->verifier;
    if (config.nontransactional_messages)
        CDCCRAFT_CORE(verifier->check_nontransactional_messages(run_id, config.writers));
    ValuePrinter* printer = make_value_printer();

    // NOLINTBEGIN(bugprone-implicit-widening-of-multiplication-result): PostgreSQL's own sizes
    const TruthFeed feed{
        replay,  verifier,
        printer, AllocSetContextCreate(verify_context, "cdccraft verify batch", ALLOCSET_DEFAULT_SIZES),
        from,    skipped_to,
        upto};
    // NOLINTEND(bugprone-implicit-widening-of-multiplication-result)
    bool more_truth = true;
    XLogRecPtr decoded_to = skipped_to;
    if (upto > skipped_to) {
        if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
        Oid types[] = {TEXTOID, LSNOID, TEXTOID, TEXTOID};
        // publication_names is a list of identifiers (split at commas,
        // case-folded): the run's publication is one name. messages: the
        // watermarks of emit_messages are part of the truth.
        Datum args[] = {
            CStringGetTextDatum(canary.slot), LSNGetDatum(upto),
            CStringGetTextDatum(quote_identifier(canary.publication)),
            CStringGetTextDatum(config.emit_messages || config.nontransactional_messages ? "true" : "false")};
        const int nest_level = pin_safe_settings();
        Portal cursor = SPI_cursor_open_with_args(
            nullptr,
            "SELECT data FROM pg_catalog.pg_logical_slot_peek_binary_changes($1::pg_catalog.name, $2, NULL, "
            "'proto_version', '1', 'publication_names', $3, 'messages', $4)",
            4, types, args, nullptr, false, 0);
        unpin_safe_settings(nest_level);
        for (;;) {
            SPI_cursor_fetch(cursor, true, 1000);
            if (SPI_processed == 0) break;
            for (uint64 i = 0; i < SPI_processed; ++i) {
                bool isnull;
                bytea* data = DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
                const char* bytes = VARDATA_ANY(data);
                const size_t length = VARSIZE_ANY_EXHDR(data);
                bool wants = false;
                CDCCRAFT_CORE({
                    verifier->emitted(std::string_view(bytes, length));
                    wants = verifier->wants_truth();
                });
                while (wants && more_truth) {
                    more_truth = feed_truth(feed);
                    if (!more_truth) CDCCRAFT_CORE(verifier->truth_exhausted());
                    CDCCRAFT_CORE(wants = verifier->wants_truth());
                }
            }
            SPI_freetuptable(SPI_tuptable);
            CHECK_FOR_INTERRUPTS();
        }
        SPI_cursor_close(cursor);
        SPI_finish();
        decoded_to = upto;
    }
    // The truth the canary never emitted (or, in a gap, no longer holds).
    while (more_truth) more_truth = feed_truth(feed);
    CDCCRAFT_CORE({
        verifier->truth_exhausted();
        verifier->finish();
    });

    // Where this verify stopped, and the canary's new proof.
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    const Oid types[] = {INT8OID, LSNOID, LSNOID};
    const Datum values[] = {Int64GetDatum(run_id), LSNGetDatum(decoded_to), LSNGetDatum(state.now)};
    exec_as_owner(catalog_owner(),
                  "UPDATE cdccraft.run SET verified_lsn = $2, canary_proof_lsn = GREATEST(canary_proof_lsn, $3) "
                  "WHERE id OPERATOR(pg_catalog.=) $1",
                  3, types, values, nullptr, SPI_OK_UPDATE);
    // Last, once the verdict and the record of it are made: the slot's
    // advance cannot be rolled back.
    if (decoded_to > state.confirmed) {
        Oid advance_types[] = {TEXTOID, LSNOID};
        Datum advance_args[] = {CStringGetTextDatum(canary.slot), LSNGetDatum(decoded_to)};
        const int nest_level = pin_safe_settings();
        const int ret = SPI_execute_with_args("SELECT pg_catalog.pg_replication_slot_advance($1::pg_catalog.name, $2)",
                                              2, advance_types, advance_args, nullptr, false, 1);
        unpin_safe_settings(nest_level);
        if (ret != SPI_OK_SELECT) elog(ERROR, "could not advance the canary slot %s", canary.slot);
    }
    SPI_finish();

    char* extra = psprintf(
        "\"run_id\": %lld, \"canary_slot\": \"%s\", \"verified_from\": \"%X/%X\", \"verified_upto\": \"%X/%X\", "
        "\"gap\": %s",
        (long long)run_id, canary.slot, LSN_PARTS(from), LSN_PARTS(decoded_to),
        skipped_to > from ? psprintf("{\"from\": \"%X/%X\", \"to\": \"%X/%X\"}", LSN_PARTS(from), LSN_PARTS(skipped_to))
                          : "null");
    char* verdict = nullptr;
    CDCCRAFT_CORE(verdict = copy_to_malloc(verifier->verdict_json(extra)));
    MemoryContextSwitchTo(caller);
    Datum result = DirectFunctionCall1(jsonb_in, CStringGetDatum(adopt_malloced(verdict)));
    MemoryContextDelete(verify_context);
    PG_RETURN_DATUM(result);
}
