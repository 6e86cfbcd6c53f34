// The canary's verdict (cdccraft_verify): what a pgoutput slot emitted for a
// run's table against the truth, transaction by transaction. Both come in
// commit order, and each transaction is settled by its commit position (the
// end of its commit record): a truth transaction the slot passed over is
// missing, one the slot emitted that the truth lacks is extra, and those
// at the same position are compared: xid, a Relation message before the
// first change after a schema change (naming the columns then in force),
// and each key's changes, operation and values (as text). Rows of one
// statement may come in another order than the truth's; each key's own
// changes may not. Memory holds the truth not yet settled and one emitted
// transaction.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/batch_changes.hpp"
#include "core/pgoutput_message.hpp"

namespace cdccraft {

struct TruthChange {
    ChangeOp op = ChangeOp::Insert;
    std::string key;
    // Insert: every column; update: the columns it set. Name, and text or
    // none for NULL.
    std::vector<std::pair<std::string, std::optional<std::string>>> values;
};

struct TruthTransaction {
    int64_t batch = 0;
    uint32_t xid = 0;         // its low 32 bits, as pgoutput sends it
    uint64_t commit_lsn = 0;  // the end of its commit record
    bool schema_changed = false;
    // It began with a non-transactional message (nontransactional_messages),
    // which the slot emits before the transaction.
    bool nontransactional_message = false;
    std::vector<std::string> columns;  // in force after it, in table order
    std::vector<TruthChange> changes;  // no Ddl
};

class StreamVerifier {
public:
    StreamVerifier(std::string schema, std::string table, size_t max_differences = 10);

    // A transaction the slot can no longer emit: it was advanced past it.
    void skipped(const TruthTransaction& t);
    // The truth, in commit order.
    void expect(TruthTransaction t);
    // The same, built a piece at a time (by code that must not hold C++
    // objects itself): begin, columns in force, changes and their values,
    // then expect or skip.
    void draft_begin(int64_t batch, uint32_t xid, uint64_t commit_lsn, bool schema_changed);
    void draft_column(std::string_view name);
    void draft_change(ChangeOp op, std::string_view key);
    void draft_value(std::string_view column, std::string_view text);
    void draft_null(std::string_view column);
    void draft_nontransactional_message() { draft_.nontransactional_message = true; }
    void draft_expect() { expect(std::move(draft_)); }
    // Non-transactional messages (nontransactional_messages): the run's own
    // (prefix cdccraft, content naming run_id) are checked: none emitted
    // twice or for a batch the truth does not have, and, for a run of one
    // writer, each batch's before its commit and a rolled-back batch's
    // before the next. (With several, a batch's message may precede another
    // writer's commit that an earlier verify confirmed, and the slot then
    // never emits it again.)
    void check_nontransactional_messages(int64_t run_id, int64_t writers);
    // A batch rolled back that emitted one (the truth has no transaction for it).
    void rolled_back_message(int64_t batch);
    void draft_skip() { skipped(draft_); }
    // The slot's next message (a bytea of pg_logical_slot_get_binary_changes).
    void emitted(std::string_view bytes);
    // Whether the transaction just emitted waits for truth beyond what was
    // given; the caller gives more, or says there is none.
    bool wants_truth() const;
    void truth_exhausted();
    // The end of what was decoded: truth never emitted is missing.
    void finish();

    bool ok() const { return differences_ == 0; }
    int64_t differences() const { return differences_; }
    // {"ok", "transactions", "checked": {insert, update, delete, relation, truncate, message},
    //  "unchanged_toast", "skipped", "differences",
    //  "first_differences": [{lsn, expected, actual}]}
    // with the keys given (already JSON) merged in.
    std::string verdict_json(const std::string& extra_members) const;

private:
    struct EmittedChange {
        ChangeOp op;
        std::string key;
        std::map<std::string, pgoutput::Value> values;
    };
    struct EmittedTransaction {
        bool open = false, complete = false;
        uint32_t xid = 0;
        uint64_t end_lsn = 0;
        bool relation_first = false;  // a Relation of the table before its first change
        std::vector<std::string> relation_columns;
        std::vector<EmittedChange> changes;
    };
    struct Relation {
        bool is_table;
        std::vector<std::string> columns;
    };

    bool names_run_table(const std::string& name) const;
    void nontransactional_message(const pgoutput::Message& m);
    void settle_nontransactional(const TruthTransaction& truth);
    void settle();
    void compare(const TruthTransaction& truth);
    void change_message(const pgoutput::Message& m);
    void truncate_message(const pgoutput::Message& m);
    void difference(uint64_t lsn, const std::string& expected, const std::string& actual);
    static std::string describe(const TruthTransaction& t);
    std::string describe_emitted() const;
    static std::string describe(const TruthChange& c, int64_t batch);
    static std::string describe(const EmittedChange& c);

    std::string schema_, table_;
    size_t max_differences_;
    std::deque<TruthTransaction> pending_;
    TruthTransaction draft_;
    bool exhausted_ = false;
    EmittedTransaction current_;
    std::map<uint32_t, Relation> relations_;
    int64_t transactions_ = 0, inserts_ = 0, updates_ = 0, deletes_ = 0, truncates_ = 0, messages_ = 0,
            relation_checks_ = 0, skipped_ = 0;
    int64_t unchanged_toast_ = 0;
    int64_t message_run_ = 0, writers_ = 1;  // message_run_ 0: not checked
    std::set<int64_t> messages_seen_;        // emitted, not matched yet, by batch
    std::set<int64_t> messages_due_;         // of rolled-back batches, not emitted yet
    // By writer ((batch - 1) % writers): the highest batch the truth has named.
    std::map<int64_t, int64_t> message_horizon_;
    int64_t nontransactional_messages_ =
        0;  // values an update sent as unchanged TOAST datums, where the truth left them
    int64_t differences_ = 0;
    std::vector<std::string> first_differences_;
};

}  // namespace cdccraft
