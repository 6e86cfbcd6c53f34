#include "pg/batch_executor.hpp"

#include "core/batch_message.hpp"
#include "core/copy_text.hpp"
#include "pg/core_guard.hpp"

extern "C" {
#include "access/table.h"
#include "commands/copy.h"
#include "executor/executor.h"
#include "mb/pg_wchar.h"
#include "nodes/makefuncs.h"
#include "parser/parse_node.h"
#include "parser/parse_relation.h"
#include "parser/parse_type.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/rls.h"
}

namespace cdccraft::pg {
namespace {

Oid array_type_of(ValueKind kind) {
    switch (kind) {
        case ValueKind::Uuid: return UUIDARRAYOID;
        case ValueKind::Text:
        case ValueKind::Typed: return TEXTARRAYOID;
        case ValueKind::Int4: return INT4ARRAYOID;
        case ValueKind::Float8: return FLOAT8ARRAYOID;
        case ValueKind::Bool: return BOOLARRAYOID;
        case ValueKind::Timestamp: return TIMESTAMPARRAYOID;
    }
    return InvalidOid;
}

Datum uuid_array(const std::vector<Uuid>& keys) {
    const int n = static_cast<int>(keys.size());
    auto* bytes = static_cast<pg_uuid_t*>(palloc(sizeof(pg_uuid_t) * Max(n, 1)));
    auto* elems = static_cast<Datum*>(palloc(sizeof(Datum) * Max(n, 1)));
    for (int i = 0; i < n; ++i) {
        memcpy(bytes[i].data, keys[i].data(), UUID_LEN);
        elems[i] = UUIDPGetDatum(&bytes[i]);
    }
    return PointerGetDatum(construct_array(elems, n, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR));
}

// A one-dimensional array of the elements, with NULLs where the values have
// them (construct_array() makes none).
Datum make_array(const ColumnValues& v, Datum* elems, int n, Oid type, int len, bool byval, char align) {
    if (v.nulls.empty()) return PointerGetDatum(construct_array(elems, n, type, len, byval, align));
    auto* nulls = static_cast<bool*>(palloc(sizeof(bool) * Max(n, 1)));
    for (int i = 0; i < n; ++i) nulls[i] = v.nulls[i] != 0;
    int dims[] = {n};
    int lower_bounds[] = {1};
    return PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lower_bounds, type, len, byval, align));
}

Datum values_array(const ColumnValues& v, Timestamp anchor) {
    const int n = static_cast<int>(v.size());
    auto* elems = static_cast<Datum*>(palloc(sizeof(Datum) * Max(n, 1)));
    switch (v.kind) {
        case ValueKind::Text:
        case ValueKind::Typed:
            for (int i = 0; i < n; ++i) {
                const std::string_view s = v.text(i);
                elems[i] = PointerGetDatum(cstring_to_text_with_len(s.data(), static_cast<int>(s.size())));
            }
            return make_array(v, elems, n, TEXTOID, -1, false, TYPALIGN_INT);
        case ValueKind::Int4:
            for (int i = 0; i < n; ++i) elems[i] = Int32GetDatum(static_cast<int32>(v.ints[i]));
            return make_array(v, elems, n, INT4OID, sizeof(int32), true, TYPALIGN_INT);
        case ValueKind::Float8:
            for (int i = 0; i < n; ++i) elems[i] = Float8GetDatum(v.floats[i]);
            return make_array(v, elems, n, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
        case ValueKind::Bool:
            for (int i = 0; i < n; ++i) elems[i] = BoolGetDatum(v.bools[i] != 0);
            return make_array(v, elems, n, BOOLOID, 1, true, TYPALIGN_CHAR);
        case ValueKind::Timestamp:
            for (int i = 0; i < n; ++i) elems[i] = TimestampGetDatum(anchor - v.ints[i]);
            return make_array(v, elems, n, TIMESTAMPOID, sizeof(Timestamp), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
        case ValueKind::Uuid: break;
    }
    elog(ERROR, "cdccraft: no array form for this column kind");
    return (Datum)0;
}

void append_array_cast(StringInfo sql, int param, const ColumnSpec& spec) {
    appendStringInfo(sql, "$%d::%s[]", param,
                     spec.kind == ValueKind::Typed ? "pg_catalog.text" : qualified_type(spec.kind));
}

// An unnested value as its column's type: a typed value is text in the
// type's input syntax (an array of arrays would not unnest to arrays).
void append_value_as_column(StringInfo sql, const char* value, const ColumnSpec& spec) {
    if (spec.kind == ValueKind::Typed)
        appendStringInfo(sql, "%s::%.*s", value, static_cast<int>(spec.sql_type.size()), spec.sql_type.data());
    else
        appendStringInfoString(sql, value);
}

SPIPlanPtr keep(const char* sql, int nargs, Oid* types) {
    SPIPlanPtr plan = SPI_prepare(sql, nargs, types);
    if (plan == nullptr) elog(ERROR, "SPI_prepare failed (%s) for: %s", SPI_result_code_string(SPI_result), sql);
    if (SPI_keepplan(plan) != 0) elog(ERROR, "SPI_keepplan failed");
    return plan;
}

void check_row_count(const char* what, uint64 rows, uint64 expected_rows, const WorkerRun* run) {
    if (rows != expected_rows)
        ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                        errmsg("cdccraft %s of batch %lld touched %llu rows of %s, not %llu", what,
                               (long long)run->plan->batch_number, (unsigned long long)rows, run->qualified_table,
                               (unsigned long long)expected_rows),
                        errdetail("Another session changed the simulated table's rows."),
                        errhint("Leave the table to cdccraft while a run is active.")));
}

void check_rows(const char* what, int ret, int expected_ret, uint64 expected_rows, const WorkerRun* run) {
    if (ret != expected_ret) elog(ERROR, "cdccraft %s returned %s", what, SPI_result_code_string(ret));
    check_row_count(what, SPI_processed, expected_rows, run);
}

SPIPlanPtr insert_plan(WorkerRun* run) {
    if (run->insert_plan) return run->insert_plan;
    const BatchPlan& plan = *run->plan;
    StringInfoData sql;
    initStringInfo(&sql);
    Oid types[kColumnCount + 1];
    types[0] = UUIDARRAYOID;
    appendStringInfo(&sql, "INSERT INTO %s (id", run->qualified_table);
    const SchemaState& schema = run->planner->schema();
    for (ColumnId id : plan.insert_columns) appendStringInfo(&sql, ", %s", quoted_name(schema.shape(id).name));
    appendStringInfoString(&sql, ") SELECT r.c0");
    for (size_t i = 0; i < plan.insert_columns.size(); ++i) {
        char value[32];
        snprintf(value, sizeof value, ", r.c%zu", i + 1);
        append_value_as_column(&sql, value, schema.shape(plan.insert_columns[i]));
    }
    appendStringInfoString(&sql, " FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.uuid[])");
    int nargs = 1;
    for (ColumnId id : plan.insert_columns) {
        const ColumnSpec spec = schema.shape(id);
        appendStringInfoString(&sql, ", pg_catalog.unnest(");
        append_array_cast(&sql, nargs + 1, spec);
        appendStringInfoChar(&sql, ')');
        types[nargs++] = array_type_of(spec.kind);
    }
    appendStringInfoString(&sql, ") AS r(c0");
    for (size_t i = 0; i < plan.insert_columns.size(); ++i) appendStringInfo(&sql, ", c%zu", i + 1);
    appendStringInfoChar(&sql, ')');
    run->insert_plan = keep(sql.data, nargs, types);
    return run->insert_plan;
}

SPIPlanPtr update_plan(WorkerRun* run, ColumnId column) {
    if (run->update_plans[column]) return run->update_plans[column];
    const ColumnSpec spec = run->planner->schema().shape(column);
    StringInfoData sql;
    initStringInfo(&sql);
    appendStringInfo(&sql, "UPDATE %s AS t SET %s = ", run->qualified_table, quoted_name(spec.name));
    append_value_as_column(&sql, "v.val", spec);
    appendStringInfoString(&sql,
                           ", updated_at = pg_catalog.now() FROM ROWS FROM ("
                           "pg_catalog.unnest($1::pg_catalog.uuid[]), pg_catalog.unnest(");
    append_array_cast(&sql, 2, spec);
    appendStringInfoString(&sql, ")) AS v(id, val) WHERE t.id OPERATOR(pg_catalog.=) v.id");
    Oid types[] = {UUIDARRAYOID, array_type_of(spec.kind)};
    run->update_plans[column] = keep(sql.data, 2, types);
    return run->update_plans[column];
}

SPIPlanPtr delete_plan(WorkerRun* run) {
    if (run->delete_plan) return run->delete_plan;
    StringInfoData sql;
    initStringInfo(&sql);
    appendStringInfo(&sql, "DELETE FROM %s WHERE id OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.uuid[])",
                     run->qualified_table);
    Oid types[] = {UUIDARRAYOID};
    run->delete_plan = keep(sql.data, 1, types);
    return run->delete_plan;
}

void free_plan(SPIPlanPtr* plan) {
    if (*plan) SPI_freeplan(*plan);
    *plan = nullptr;
}

}  // namespace

const char* qualified_type(ValueKind kind) {
    switch (kind) {
        case ValueKind::Uuid: return "pg_catalog.uuid";
        case ValueKind::Text: return "pg_catalog.text";
        case ValueKind::Int4: return "pg_catalog.int4";
        case ValueKind::Float8: return "pg_catalog.float8";
        case ValueKind::Bool: return "pg_catalog.bool";
        case ValueKind::Timestamp: return "pg_catalog.timestamp";
        case ValueKind::Typed: break;  // the column's own type: column_type()
    }
    elog(ERROR, "cdccraft: no SQL type for this column kind");
    return nullptr;
}

const char* column_type(const ColumnSpec& spec) {
    if (spec.kind == ValueKind::Typed) return pnstrdup(spec.sql_type.data(), spec.sql_type.size());
    return qualified_type(spec.kind);
}

void forget_table_plans(WorkerRun* run) {
    for (WorkerRun::PlannedType& t : run->planned_types) t = WorkerRun::PlannedType{};
    free_plan(&run->insert_plan);
    free_plan(&run->delete_plan);
    for (SPIPlanPtr& p : run->update_plans) free_plan(&p);
}

char* evolution_statement(const char* qualified_table, const EvolutionStep& step, const SchemaState& after,
                          const char* key_index) {
    const ColumnSpec spec = after.shape(step.column);
    const char* name = quoted_name(spec.name);
    const char* type = column_type(spec);
    const DefaultValue value = default_value_of(spec);
    const char* literal = value.sql.c_str();
    switch (step.op) {
        case EvolutionOp::Add:
        case EvolutionOp::AddCaseVariant:
        case EvolutionOp::AddQuotedName:
            return psprintf("ALTER TABLE %s ADD COLUMN %s %s", qualified_table, name, type);
        case EvolutionOp::AddDefault:
            return psprintf("ALTER TABLE %s ADD COLUMN %s %s DEFAULT %s", qualified_table, name, type, literal);
        case EvolutionOp::AddNotNull:
            return psprintf("ALTER TABLE %s ADD COLUMN %s %s NOT NULL DEFAULT %s", qualified_table, name, type,
                            literal);
        case EvolutionOp::AddVolatileDefault:
            // random() makes the DEFAULT volatile, so every existing row is
            // rewritten with it; it is never negative, so each gets the
            // constant, which the truth then knows.
            return psprintf(
                "ALTER TABLE %s ADD COLUMN %s %s DEFAULT (CASE WHEN pg_catalog.random() OPERATOR(pg_catalog.>=) 0 "
                "THEN %s END)",
                qualified_table, name, type, literal);
        case EvolutionOp::Drop: return psprintf("ALTER TABLE %s DROP COLUMN %s", qualified_table, name);
        case EvolutionOp::Rename:
            return psprintf("ALTER TABLE %s RENAME COLUMN %s TO %s", qualified_table,
                            quoted_name(column_spec(step.column).name), name);
        case EvolutionOp::Widen:
            // A timestamp is read as UTC, whatever the session's TimeZone:
            // the truth converts the values from before so too.
            if (widening_of(column_spec(step.column))->using_utc)
                return psprintf("ALTER TABLE %s ALTER COLUMN %s TYPE %s USING pg_catalog.timezone('UTC', %s)",
                                qualified_table, name, type, name);
            return psprintf("ALTER TABLE %s ALTER COLUMN %s TYPE %s", qualified_table, name, type);
        case EvolutionOp::SetNotNull:
            return psprintf("ALTER TABLE %s ALTER COLUMN %s SET NOT NULL", qualified_table, name);
        case EvolutionOp::DropNotNull:
            return psprintf("ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL", qualified_table, name);
        case EvolutionOp::SetDefault:
            return psprintf("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s", qualified_table, name, literal);
        case EvolutionOp::DropDefault:
            return psprintf("ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT", qualified_table, name);
        case EvolutionOp::ReplicaIdentity:
            if (step.identity == ReplicaIdentity::KeyIndex) {
                if (key_index == nullptr) elog(ERROR, "cdccraft: the run recorded no primary key index");
                return psprintf("ALTER TABLE %s REPLICA IDENTITY USING INDEX %s", qualified_table,
                                quote_identifier(key_index));
            }
            return psprintf("ALTER TABLE %s REPLICA IDENTITY %s", qualified_table,
                            step.identity == ReplicaIdentity::Full ? "FULL" : "DEFAULT");
        case EvolutionOp::Truncate:
            // ONLY: without it TRUNCATE empties every table that inherits
            // the run's too, rows the run never wrote.
            return psprintf("TRUNCATE TABLE ONLY %s", qualified_table);
        case EvolutionOp::EnumValue:
            return psprintf("ALTER TYPE %s ADD VALUE %s", after.enum_type().c_str(),
                            quote_literal_cstr(std::string(enum_label(after.enum_labels() - 1)).c_str()));
    }
    elog(ERROR, "cdccraft: no statement for this schema change");
    return nullptr;
}

const char* evolution_fill(const EvolutionStep& step, const SchemaState& after) {
    if (step.op != EvolutionOp::AddDefault && step.op != EvolutionOp::AddNotNull &&
        step.op != EvolutionOp::AddVolatileDefault)
        return nullptr;
    return pstrdup(default_value_of(after.shape(step.column)).text.c_str());
}

void execute_evolution(WorkerRun* run) {
    spi_run(evolution_statement(run->qualified_table, *run->plan->evolution, run->planner->schema(), run->key_index),
            SPI_OK_UTILITY);
    forget_table_plans(run);
}

namespace {

// The COPY FROM of a batch's rows reads them from here: its data source
// callback takes no argument of its own.
struct CopySource {
    const WorkerRun* run = nullptr;
    const std::string* rows = nullptr;
    size_t offset = 0;
    // The binary form: where its header and rows end, and the client
    // encoding its text is in. -1 for the text form.
    const std::vector<size_t>* row_ends = nullptr;
    size_t next_end = 0;
    int client_encoding = -1;
} copy_source;

// The binary form's rows one at a time: COPY asks for the next row's bytes
// only once it has parsed, defaulted and checked the row before, and fired
// its BEFORE ROW triggers, so a client_encoding that code changed there is
// seen before text's receive function would convert the next row from it.
int read_copy_source(void* outbuf, int, int maxread) {
    CopySource& s = copy_source;
    size_t end = s.rows->size();
    if (s.row_ends != nullptr) {
        if (pg_get_client_encoding() != s.client_encoding)
            ereport(ERROR,
                    (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                     errmsg("client_encoding changed while batch %lld of %s was copied in",
                            static_cast<long long>(s.run->plan->batch_number), s.run->qualified_table),
                     errdetail("Code the table runs for each row set it from %s to %s; text values in COPY's binary "
                               "form are read in the client encoding.",
                               pg_encoding_to_char(s.client_encoding), pg_encoding_to_char(pg_get_client_encoding())),
                     errhint("Start the run with insert_method => 'insert'.")));
        while (s.next_end < s.row_ends->size() && (*s.row_ends)[s.next_end] <= s.offset) ++s.next_end;
        if (s.next_end < s.row_ends->size()) end = (*s.row_ends)[s.next_end];
    }
    const size_t n = Min(end - s.offset, static_cast<size_t>(maxread));
    memcpy(outbuf, s.rows->data() + s.offset, n);
    s.offset += n;
    return static_cast<int>(n);
}

// The type and typmod the run made a column of, parsed once per schema.
WorkerRun::PlannedType planned_type(WorkerRun* run, ColumnId id) {
    WorkerRun::PlannedType& t = run->planned_types[id];
    if (t.type == InvalidOid) parseTypeString(column_type(run->planner->schema().shape(id)), &t.type, &t.typmod, false);
    return t;
}

// Whether COPY FROM takes the rows as INSERT would. COPY ignores rules,
// refuses row-level security, overrides GENERATED ALWAYS identities, and
// writes only plain and partitioned tables; and the permission check must be
// the one DoCopy() makes, ExecCheckRTPerms(), since its hook is where
// security modules (sepgsql) and auditing (pgaudit) see an insert. Each
// column must still be of the type and typmod the run made it: the values'
// text is in that type's input syntax, and the core's binary form is that
// type's. Into a column another session altered (double precision to
// numeric or integer, boolean to text) INSERT casts each value from it,
// where COPY would parse the text with the new type's input function
// (6638.5900000000001 as a numeric, an error for an integer). Where COPY
// would not behave as INSERT, the batch inserts as INSERT does (which raises
// INSERT's own error if it is refused). columns: the key, then the plan's
// insert columns.
bool copy_behaves_as_insert(WorkerRun* run, Relation rel, ParseState* pstate, RangeTblEntry* rte, List* columns) {
    const char relkind = rel->rd_rel->relkind;
    // The rules the rewriter applies: relhasrules stays set after the last
    // is dropped, until a VACUUM.
    if (rel->rd_rules != nullptr || (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)) return false;
    if (check_enable_rls(RelationGetRelid(rel), InvalidOid, true) == RLS_ENABLED) return false;
    rte->requiredPerms = ACL_INSERT;
    const BatchPlan& plan = *run->plan;
    for (int i = 0; i < list_length(columns); ++i) {
        const AttrNumber attno = attnameAttNum(rel, strVal(list_nth(columns, i)), false);
        if (attno <= 0) return false;
        const Form_pg_attribute column = TupleDescAttr(RelationGetDescr(rel), attno - 1);
        const WorkerRun::PlannedType planned =
            i == 0 ? WorkerRun::PlannedType{UUIDOID, -1} : planned_type(run, plan.insert_columns[i - 1]);
        if (column->attidentity == ATTRIBUTE_IDENTITY_ALWAYS || column->atttypid != planned.type ||
            column->atttypmod != planned.typmod)
            return false;
        rte->insertedCols = bms_add_member(rte->insertedCols, attno - FirstLowInvalidHeapAttributeNumber);
    }
    return ExecCheckRTPerms(pstate->p_rtable, false);
}

// The batch's rows through COPY FROM (core/copy_text), as
// logical replication's table sync feeds COPY: BeginCopyFrom() with a data
// source, then CopyFrom(), which fires the table's triggers, checks its
// constraints, fills its defaults, routes to partitions and writes the rows
// with the multi-insert (many to a WAL record) where it can. Text is in the
// database's encoding already, as the INSERT's arrays carry it. false,
// having written nothing, where COPY would not behave as INSERT.
bool copy_inserts(WorkerRun* run, uint64* rows) {
    const BatchPlan& plan = *run->plan;
    const SchemaState& schema = run->planner->schema();
    List* columns = list_make1(makeString(pstrdup("id")));
    for (ColumnId id : plan.insert_columns) {
        const std::string_view name = schema.shape(id).name;
        columns = lappend(columns, makeString(pnstrdup(name.data(), name.size())));
    }
    Relation rel = table_open(run->relid, RowExclusiveLock);
    ParseState* pstate = make_parsestate(nullptr);
    // The range table CopyFrom() opens the table from, as DoCopy() makes it.
    RangeTblEntry* rte = addRangeTableEntryForRelation(pstate, rel, RowExclusiveLock, nullptr, false, false)->p_rte;
    if (!copy_behaves_as_insert(run, rel, pstate, rte, columns)) {
        free_parsestate(pstate);
        table_close(rel, NoLock);
        return false;
    }
    // Binary where every value's bytes are the core's to write: nothing to
    // parse. Typed (all_types) values are text in their types' input syntax.
    // text's receive function converts from the session's client encoding,
    // which a role's setting may make another than the database's, and which
    // code the table runs for each row may set while COPY reads (a trigger
    // calling set_config()): the text form's ENCODING option, read once,
    // says what the bytes are. So a table with triggers takes the text form,
    // and a client_encoding changed between two rows of the binary form (by
    // a DEFAULT's or a CHECK's function) fails the batch (read_copy_source).
    const int client_encoding = pg_get_client_encoding();
    const bool unconverted = client_encoding == GetDatabaseEncoding() || client_encoding == PG_SQL_ASCII;
    bool binary = false;
    CDCCRAFT_CORE({
        run->copy_rows.clear();
        run->copy_row_ends.clear();
        binary = unconverted && rel->trigdesc == nullptr && binary_copy_possible(plan);
        if (binary)
            append_copy_binary_rows(plan, run->anchor, run->copy_rows, &run->copy_row_ends);
        else
            append_copy_text_rows(plan, run->anchor, run->copy_rows);
    });
    List* options =
        binary ? list_make1(makeDefElem(pstrdup("format"), reinterpret_cast<Node*>(makeString(pstrdup("binary"))), -1))
               : list_make2(makeDefElem(pstrdup("format"), reinterpret_cast<Node*>(makeString(pstrdup("text"))), -1),
                            makeDefElem(pstrdup("encoding"),
                                        reinterpret_cast<Node*>(makeString(pstrdup(GetDatabaseEncodingName()))), -1));
    copy_source = CopySource{run, &run->copy_rows, 0, binary ? &run->copy_row_ends : nullptr, 0, client_encoding};
    PushActiveSnapshot(GetTransactionSnapshot());
    CopyFromState cstate = BeginCopyFrom(pstate, rel, nullptr, nullptr, false, read_copy_source, columns, options);
    *rows = CopyFrom(cstate);
    EndCopyFrom(cstate);
    PopActiveSnapshot();
    free_parsestate(pstate);
    table_close(rel, NoLock);
    CommandCounterIncrement();
    // A huge batch's buffer is not kept for the batches after it.
    if (run->copy_rows.capacity() > (size_t{64} << 20)) {
        std::string().swap(run->copy_rows);
        std::vector<size_t>().swap(run->copy_row_ends);
    }
    return true;
}

}  // namespace

void execute_inserts(WorkerRun* run) {
    const BatchPlan& plan = *run->plan;
    if (plan.insert_keys.empty()) return;
    uint64 rows = 0;
    if (run->config->insert_method == InsertMethod::Copy && copy_inserts(run, &rows)) {
        check_row_count("insert", rows, plan.insert_keys.size(), run);
        return;
    }
    Datum values[kColumnCount + 1];
    values[0] = uuid_array(plan.insert_keys);
    int nargs = 1;
    for (ColumnId id : plan.insert_columns) values[nargs++] = values_array(plan.values_of(id), run->anchor);
    const int ret = SPI_execute_plan(insert_plan(run), values, nullptr, false, 0);
    check_rows("insert", ret, SPI_OK_INSERT, plan.insert_keys.size(), run);
}

namespace {

// The statement of an update group other than Column's (which is prepared
// once per column, as the default runs make most): built per batch, since
// its column set is drawn per batch. Its arguments: the keys, then the new
// keys (Key) or one array per column (Columns).
const char* group_update_sql(WorkerRun* run, const UpdateGroup& group, Oid* types, int* nargs) {
    const SchemaState& schema = run->planner->schema();
    StringInfoData sql;
    initStringInfo(&sql);
    types[0] = UUIDARRAYOID;
    *nargs = 1;
    if (group.kind == UpdateKind::SameValue) {
        // The column set to itself and nothing else: a new row version equal
        // to the old one in every byte.
        const char* name = quoted_name(schema.shape(group.columns[0]).name);
        appendStringInfo(&sql,
                         "UPDATE %s AS t SET %s = t.%s WHERE t.id OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.uuid[])",
                         run->qualified_table, name, name);
        return sql.data;
    }
    appendStringInfo(&sql, "UPDATE %s AS t SET ", run->qualified_table);
    if (group.kind == UpdateKind::Key) {
        appendStringInfoString(&sql, "id = v.c1, ");
        types[(*nargs)++] = UUIDARRAYOID;
    }
    for (size_t i = 0; i < group.columns.size(); ++i) {
        const ColumnSpec spec = schema.shape(group.columns[i]);
        char value[32];
        snprintf(value, sizeof value, "v.c%zu", i + 1);
        appendStringInfo(&sql, "%s = ", quoted_name(spec.name));
        append_value_as_column(&sql, value, spec);
        appendStringInfoString(&sql, ", ");
        types[(*nargs)++] = array_type_of(spec.kind);
    }
    appendStringInfoString(&sql,
                           "updated_at = pg_catalog.now() FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.uuid[])");
    for (int a = 2; a <= *nargs; ++a) {
        appendStringInfoString(&sql, ", pg_catalog.unnest(");
        if (group.kind == UpdateKind::Key)
            appendStringInfo(&sql, "$%d::pg_catalog.uuid[]", a);
        else
            append_array_cast(&sql, a, schema.shape(group.columns[a - 2]));
        appendStringInfoChar(&sql, ')');
    }
    appendStringInfoString(&sql, ") AS v(id");
    for (int a = 2; a <= *nargs; ++a) appendStringInfo(&sql, ", c%d", a - 1);
    appendStringInfoString(&sql, ") WHERE t.id OPERATOR(pg_catalog.=) v.id");
    return sql.data;
}

}  // namespace

int64 execute_updates(WorkerRun* run) {
    const BatchPlan& plan = *run->plan;
    int64 rows = 0;
    for (size_t g = 0; g < plan.update_group_count; ++g) {
        const UpdateGroup& group = plan.update_groups[g];
        int ret;
        if (group.kind == UpdateKind::Column) {
            Datum values[] = {uuid_array(group.keys), values_array(group.values[0], run->anchor)};
            ret = SPI_execute_plan(update_plan(run, group.columns[0]), values, nullptr, false, 0);
        } else {
            Oid types[kColumnCount + 2];
            Datum values[kColumnCount + 2];
            int nargs;
            const char* sql = group_update_sql(run, group, types, &nargs);
            values[0] = uuid_array(group.keys);
            if (group.kind == UpdateKind::Key) values[1] = uuid_array(group.new_keys);
            for (size_t i = 0; i < group.values.size(); ++i) values[1 + i] = values_array(group.values[i], run->anchor);
            ret = SPI_execute_with_args(sql, nargs, types, values, nullptr, false, 0);
        }
        check_rows("update", ret, SPI_OK_UPDATE, group.keys.size(), run);
        rows += static_cast<int64>(group.keys.size());
    }
    return rows;
}

char* batch_message_content(int64 run_id, int64 batch) {
    return core_string([&] { return cdccraft::batch_message_content(run_id, batch); });
}

void execute_message(WorkerRun* run, bool transactional) {
    const BatchPlan& plan = *run->plan;
    if (!(transactional ? plan.emits_message : plan.emits_nontransactional_message)) return;
    Oid types[] = {BOOLOID, TEXTOID};
    Datum values[] = {BoolGetDatum(transactional),
                      CStringGetTextDatum(batch_message_content(run->run_id, plan.batch_number))};
    spi_run_args("SELECT pg_catalog.pg_logical_emit_message($1, 'cdccraft', $2)", 2, types, values, SPI_OK_SELECT);
}

// The savepoint's deletes, then ROLLBACK TO it: PL/pgSQL's way, an internal
// subtransaction, whose memory and resource owner are the caller's again
// after it.
int64 execute_savepoint_deletes(WorkerRun* run) {
    const BatchPlan& plan = *run->plan;
    if (plan.savepoint_keys.empty()) return 0;
    const MemoryContext caller_context = CurrentMemoryContext;
    const ResourceOwner caller_owner = CurrentResourceOwner;
    BeginInternalSubTransaction(nullptr);
    MemoryContextSwitchTo(caller_context);
    Datum values[] = {uuid_array(plan.savepoint_keys)};
    const int ret = SPI_execute_plan(delete_plan(run), values, nullptr, false, 0);
    check_rows("savepoint delete", ret, SPI_OK_DELETE, plan.savepoint_keys.size(), run);
    RollbackAndReleaseCurrentSubTransaction();
    MemoryContextSwitchTo(caller_context);
    CurrentResourceOwner = caller_owner;
    return static_cast<int64>(plan.savepoint_keys.size());
}

int64 execute_deletes(WorkerRun* run) {
    const BatchPlan& plan = *run->plan;
    if (plan.delete_keys.empty()) return 0;
    Datum values[] = {uuid_array(plan.delete_keys)};
    const int ret = SPI_execute_plan(delete_plan(run), values, nullptr, false, 0);
    check_rows("delete", ret, SPI_OK_DELETE, plan.delete_keys.size(), run);
    return static_cast<int64>(plan.delete_keys.size());
}

}  // namespace cdccraft::pg
