#include "core/stream_verifier.hpp"

#include <algorithm>

#include <unordered_map>

#include "core/batch_message.hpp"
#include "core/json_text.hpp"

namespace cdccraft {
namespace {

void member(std::string& j, const char* name) {
    if (j.size() > 1) j += ", ";
    append_json_string(j, name);
    j += ": ";
}

void string_member(std::string& j, const char* name, std::string_view value) {
    member(j, name);
    append_json_string(j, value);
}

void number_member(std::string& j, const char* name, int64_t value) {
    member(j, name);
    j += std::to_string(value);
}

void append_value(std::string& j, const pgoutput::Value& v) {
    switch (v.form) {
        case pgoutput::Value::Form::Null: j += "null"; break;
        case pgoutput::Value::Form::Unchanged: j += "{\"unchanged_toast\": true}"; break;
        case pgoutput::Value::Form::Text:
        case pgoutput::Value::Form::Binary: append_json_string(j, v.bytes); break;
    }
}

bool equals(const pgoutput::Value& emitted, const std::optional<std::string>& truth) {
    if (!truth) return emitted.form == pgoutput::Value::Form::Null;
    return emitted.form == pgoutput::Value::Form::Text && emitted.bytes == *truth;
}

}  // namespace

// The table, or one of its partitions (partitioning range, published without
// publish_via_partition_root): <table>_p<n>, which the run names.
bool StreamVerifier::names_run_table(const std::string& name) const {
    if (name == table_) return true;
    if (name.size() <= table_.size() + 2 || name.compare(0, table_.size(), table_) != 0) return false;
    if (name.compare(table_.size(), 2, "_p") != 0) return false;
    for (size_t i = table_.size() + 2; i < name.size(); ++i)
        if (name[i] < '0' || name[i] > '9') return false;
    return true;
}

StreamVerifier::StreamVerifier(std::string schema, std::string table, size_t max_differences)
    : schema_(std::move(schema)), table_(std::move(table)), max_differences_(max_differences) {}

void StreamVerifier::difference(uint64_t lsn, const std::string& expected, const std::string& actual) {
    ++differences_;
    if (first_differences_.size() >= max_differences_) return;
    std::string j = "{";
    string_member(j, "lsn", lsn_text(lsn));
    member(j, "expected");
    j += expected;
    member(j, "actual");
    j += actual;
    j += '}';
    first_differences_.push_back(std::move(j));
}

std::string StreamVerifier::describe(const TruthTransaction& t) {
    std::string j = "{";
    number_member(j, "batch", t.batch);
    number_member(j, "xid", t.xid);
    string_member(j, "commit_lsn", lsn_text(t.commit_lsn));
    number_member(j, "changes", static_cast<int64_t>(t.changes.size()));
    return j + '}';
}

std::string StreamVerifier::describe_emitted() const {
    std::string j = "{";
    number_member(j, "xid", current_.xid);
    string_member(j, "commit_lsn", lsn_text(current_.end_lsn));
    number_member(j, "changes", static_cast<int64_t>(current_.changes.size()));
    return j + '}';
}

std::string StreamVerifier::describe(const TruthChange& c, int64_t batch) {
    std::string j = "{";
    number_member(j, "batch", batch);
    string_member(j, "op", change_op_name(c.op));
    string_member(j, "key", c.key);
    if (!c.values.empty()) {
        member(j, "data");
        std::string data = "{";
        for (const auto& [name, value] : c.values) {
            if (value) {
                string_member(data, name.c_str(), *value);
            } else {
                member(data, name.c_str());
                data += "null";
            }
        }
        j += data + '}';
    }
    return j + '}';
}

std::string StreamVerifier::describe(const EmittedChange& c) {
    std::string j = "{";
    string_member(j, "op", change_op_name(c.op));
    string_member(j, "key", c.key);
    if (!c.values.empty()) {
        member(j, "data");
        std::string data = "{";
        for (const auto& [name, value] : c.values) {
            member(data, name.c_str());
            append_value(data, value);
        }
        j += data + '}';
    }
    return j + '}';
}

void StreamVerifier::draft_begin(int64_t batch, uint32_t xid, uint64_t commit_lsn, bool schema_changed) {
    draft_ = TruthTransaction{};
    draft_.batch = batch;
    draft_.xid = xid;
    draft_.commit_lsn = commit_lsn;
    draft_.schema_changed = schema_changed;
}

void StreamVerifier::draft_column(std::string_view name) { draft_.columns.emplace_back(name); }

void StreamVerifier::draft_change(ChangeOp op, std::string_view key) {
    draft_.changes.push_back(TruthChange{op, std::string(key), {}});
}

void StreamVerifier::draft_value(std::string_view column, std::string_view text) {
    draft_.changes.back().values.emplace_back(std::string(column), std::string(text));
}

void StreamVerifier::draft_null(std::string_view column) {
    draft_.changes.back().values.emplace_back(std::string(column), std::nullopt);
}

void StreamVerifier::check_nontransactional_messages(int64_t run_id, int64_t writers) {
    message_run_ = run_id;
    writers_ = writers < 1 ? 1 : writers;
}

void StreamVerifier::rolled_back_message(int64_t batch) {
    int64_t& horizon = message_horizon_[(batch - 1) % writers_];
    horizon = std::max(horizon, batch);
    if (messages_seen_.erase(batch) != 0) {
        ++nontransactional_messages_;
        return;
    }
    messages_due_.insert(batch);
}

// Another run's, or another program's, is none of the run's.
void StreamVerifier::nontransactional_message(const pgoutput::Message& m) {
    if (message_run_ == 0 || m.name != kMessagePrefix) return;
    const std::optional<BatchMessage> named = parse_batch_message(m.content);
    if (!named || named->run_id != message_run_) return;
    if (messages_due_.erase(named->batch) != 0) {
        ++nontransactional_messages_;
        return;
    }
    if (!messages_seen_.insert(named->batch).second) {
        std::string actual = "{";
        number_member(actual, "nontransactional_message_again", named->batch);
        difference(m.lsn, "null", actual + '}');
    }
}

// At a committed batch's commit: its own message came before, and so did
// those of the same writer's batches rolled back before it.
void StreamVerifier::settle_nontransactional(const TruthTransaction& truth) {
    if (message_run_ == 0) return;
    int64_t& horizon = message_horizon_[(truth.batch - 1) % writers_];
    horizon = std::max(horizon, truth.batch);
    auto missing = [this, &truth](int64_t batch) {
        if (writers_ > 1) return;
        std::string expected = "{";
        number_member(expected, "nontransactional_message", batch);
        difference(truth.commit_lsn, expected + '}', "null");
    };
    if (truth.nontransactional_message) {
        if (messages_seen_.erase(truth.batch) != 0)
            ++nontransactional_messages_;
        else
            missing(truth.batch);
    }
    for (auto it = messages_due_.begin(); it != messages_due_.end() && *it < truth.batch;) {
        if ((truth.batch - *it) % writers_ != 0) {
            ++it;
            continue;
        }
        missing(*it);
        it = messages_due_.erase(it);
    }
}

void StreamVerifier::skipped(const TruthTransaction& t) {
    ++skipped_;
    messages_seen_.erase(t.batch);
    difference(t.commit_lsn, describe(t),
               "{\"skipped\": \"the canary slot was advanced past it by another consumer\"}");
}

void StreamVerifier::expect(TruthTransaction t) {
    pending_.push_back(std::move(t));
    if (current_.complete && !wants_truth()) settle();
}

bool StreamVerifier::wants_truth() const {
    return current_.complete && !exhausted_ && (pending_.empty() || pending_.back().commit_lsn < current_.end_lsn);
}

void StreamVerifier::truth_exhausted() {
    exhausted_ = true;
    if (current_.complete) settle();
}

void StreamVerifier::finish() {
    if (current_.open) difference(0, "null", "{\"incomplete\": \"a transaction without its Commit\"}");
    // A message no batch claimed, of a batch its writer has gone past in the
    // truth (a writer's newest batch may still be in flight, or was ended by
    // a stop, its message emitted all the same).
    for (int64_t batch : messages_seen_) {
        auto horizon = message_horizon_.find((batch - 1) % writers_);
        if (horizon == message_horizon_.end() || batch >= horizon->second) continue;
        std::string actual = "{";
        number_member(actual, "nontransactional_message", batch);
        difference(0, "null", actual + '}');
    }
    for (const TruthTransaction& t : pending_) difference(t.commit_lsn, describe(t), "null");
    pending_.clear();
}

void StreamVerifier::emitted(std::string_view bytes) {
    pgoutput::Message m;
    try {
        m = pgoutput::parse_message(bytes);
    } catch (const pgoutput::DecodeError& e) {
        std::string actual = "{";
        string_member(actual, "undecodable", e.what());
        difference(current_.end_lsn, "null", actual + '}');
        return;
    }
    switch (m.kind) {
        case pgoutput::Kind::Begin:
            current_ = EmittedTransaction{};
            current_.open = true;
            current_.xid = m.xid;
            break;
        case pgoutput::Kind::Commit:
            current_.open = false;
            current_.complete = true;
            current_.end_lsn = m.end_lsn;
            if (!wants_truth()) settle();
            break;
        case pgoutput::Kind::Relation: {
            Relation r{m.namespace_name == schema_ && names_run_table(m.name), {}};
            for (const pgoutput::Column& c : m.columns) r.columns.push_back(c.name);
            if (r.is_table && current_.open && current_.changes.empty()) {
                current_.relation_first = true;
                current_.relation_columns = r.columns;
            }
            relations_[m.oid] = std::move(r);
            break;
        }
        case pgoutput::Kind::Insert:
        case pgoutput::Kind::Update:
        case pgoutput::Kind::Delete: change_message(m); break;
        case pgoutput::Kind::Truncate: truncate_message(m); break;
        // A type not built in (the run's enum and domain) is described
        // before the Relation that uses it; the truth names no types.
        case pgoutput::Kind::Type: break;
        case pgoutput::Kind::LogicalMessage:
            if (!m.transactional) nontransactional_message(m);
            if (m.transactional) {
                EmittedChange c{ChangeOp::Message, "", {}};
                c.values["prefix"] = pgoutput::Value{pgoutput::Value::Form::Text, m.name};
                c.values["content"] = pgoutput::Value{pgoutput::Value::Form::Text, m.content};
                current_.changes.push_back(std::move(c));
            }
            break;
        default: {
            std::string actual = "{";
            string_member(actual, "message", std::string(1, static_cast<char>(m.kind)));
            difference(current_.end_lsn, "null", actual + '}');
        }
    }
}

void StreamVerifier::change_message(const pgoutput::Message& m) {
    auto relation = relations_.find(m.oid);
    if (relation == relations_.end() || !relation->second.is_table) {
        std::string actual = "{";
        number_member(actual, "change_of_relation", m.oid);
        difference(current_.end_lsn, "null", actual + '}');
        return;
    }
    const std::vector<std::string>& names = relation->second.columns;
    EmittedChange c;
    c.op = m.kind == pgoutput::Kind::Insert   ? ChangeOp::Insert
           : m.kind == pgoutput::Kind::Update ? ChangeOp::Update
                                              : ChangeOp::Delete;
    const pgoutput::Tuple& tuple = c.op == ChangeOp::Delete ? m.old_tuple : m.new_tuple;
    for (size_t i = 0; i < tuple.size() && i < names.size(); ++i) {
        if (names[i] == "id") c.key = tuple[i].bytes;
        if (c.op != ChangeOp::Delete) c.values[names[i]] = tuple[i];
    }
    // An update names its row by the key it had: the old key or row, when
    // sent (always under REPLICA IDENTITY FULL, and whenever the key
    // changed), else the new row's.
    if (c.op == ChangeOp::Update && m.old_form != 0)
        for (size_t i = 0; i < m.old_tuple.size() && i < names.size(); ++i)
            if (names[i] == "id") c.key = m.old_tuple[i].bytes;
    current_.changes.push_back(std::move(c));
}

// A TRUNCATE of the table is one keyless change; of anything else, a
// difference.
void StreamVerifier::truncate_message(const pgoutput::Message& m) {
    for (uint32_t oid : m.truncated) {
        auto relation = relations_.find(oid);
        if (relation == relations_.end() || !relation->second.is_table) {
            std::string actual = "{";
            number_member(actual, "truncate_of_relation", oid);
            difference(current_.end_lsn, "null", actual + '}');
            continue;
        }
        current_.changes.push_back(EmittedChange{ChangeOp::Truncate, "", {}});
    }
}

void StreamVerifier::settle() {
    while (!pending_.empty() && pending_.front().commit_lsn < current_.end_lsn) {
        difference(pending_.front().commit_lsn, describe(pending_.front()), "null");
        pending_.pop_front();
    }
    const bool only_messages = std::all_of(current_.changes.begin(), current_.changes.end(),
                                           [](const EmittedChange& c) { return c.op == ChangeOp::Message; });
    if (!pending_.empty() && pending_.front().commit_lsn == current_.end_lsn) {
        compare(pending_.front());
        pending_.pop_front();
    } else if (only_messages) {
        // Another transaction's logical decoding messages (pgoutput sends
        // every one when asked for messages): not the table's.
    } else {
        difference(current_.end_lsn, "null", describe_emitted());
    }
    current_ = EmittedTransaction{};
}

void StreamVerifier::compare(const TruthTransaction& truth) {
    ++transactions_;
    const uint64_t lsn = truth.commit_lsn;
    settle_nontransactional(truth);
    if (truth.xid != current_.xid) {
        difference(lsn, describe(truth), describe_emitted());
        return;
    }
    if (truth.schema_changed) {
        if (!current_.relation_first || current_.relation_columns != truth.columns) {
            std::string expected = "{\"relation_before_first_change\": [";
            for (size_t i = 0; i < truth.columns.size(); ++i) {
                if (i) expected += ", ";
                append_json_string(expected, truth.columns[i]);
            }
            expected += "]}";
            std::string actual = "{\"relation_before_first_change\": ";
            if (!current_.relation_first) {
                actual += "null}";
            } else {
                actual += '[';
                for (size_t i = 0; i < current_.relation_columns.size(); ++i) {
                    if (i) actual += ", ";
                    append_json_string(actual, current_.relation_columns[i]);
                }
                actual += "]}";
            }
            difference(lsn, expected, actual);
        } else {
            ++relation_checks_;
        }
    }

    // A TRUNCATE comes before the transaction's rows; the rest follows by key.
    const bool truncates = !truth.changes.empty() && truth.changes.front().op == ChangeOp::Truncate;
    if (truncates && (current_.changes.empty() || current_.changes.front().op != ChangeOp::Truncate))
        difference(lsn, describe(truth.changes.front(), truth.batch),
                   current_.changes.empty() ? "null" : describe(current_.changes.front()));

    // Each key's changes in order; keys may interleave differently.
    std::unordered_map<std::string_view, std::deque<const TruthChange*>> by_key;
    for (const TruthChange& c : truth.changes) by_key[c.key].push_back(&c);
    for (const EmittedChange& e : current_.changes) {
        auto it = by_key.find(e.key);
        if (it == by_key.end() || it->second.empty()) {
            difference(lsn, "null", describe(e));
            continue;
        }
        const TruthChange& t = *it->second.front();
        it->second.pop_front();
        bool same = t.op == e.op;
        if (same && t.op == ChangeOp::Insert) same = t.values.size() == e.values.size();
        for (size_t i = 0; same && i < t.values.size(); ++i) {
            auto v = e.values.find(t.values[i].first);
            same = v != e.values.end() && equals(v->second, t.values[i].second);
        }
        if (!same) {
            difference(lsn, describe(t, truth.batch), describe(e));
            continue;
        }
        if (t.op == ChangeOp::Insert) ++inserts_;
        if (t.op == ChangeOp::Update) {
            ++updates_;
            for (const auto& [name, value] : e.values)
                unchanged_toast_ += value.form == pgoutput::Value::Form::Unchanged ? 1 : 0;
        }
        if (t.op == ChangeOp::Delete) ++deletes_;
        if (t.op == ChangeOp::Truncate) ++truncates_;
        if (t.op == ChangeOp::Message) ++messages_;
    }
    for (const TruthChange& c : truth.changes) {
        auto it = by_key.find(c.key);
        if (it != by_key.end() && !it->second.empty() && it->second.front() == &c) {
            difference(lsn, describe(c, truth.batch), "null");
            it->second.pop_front();
        }
    }
}

std::string StreamVerifier::verdict_json(const std::string& extra_members) const {
    std::string j = "{";
    member(j, "ok");
    j += ok() ? "true" : "false";
    number_member(j, "transactions", transactions_);
    member(j, "checked");
    std::string checked = "{";
    number_member(checked, "insert", inserts_);
    number_member(checked, "update", updates_);
    number_member(checked, "delete", deletes_);
    number_member(checked, "relation", relation_checks_);
    number_member(checked, "truncate", truncates_);
    number_member(checked, "message", messages_);
    if (message_run_ != 0) number_member(checked, "nontransactional_message", nontransactional_messages_);
    j += checked + '}';
    number_member(j, "unchanged_toast", unchanged_toast_);
    number_member(j, "skipped", skipped_);
    number_member(j, "differences", differences_);
    member(j, "first_differences");
    j += '[';
    for (size_t i = 0; i < first_differences_.size(); ++i) {
        if (i) j += ", ";
        j += first_differences_[i];
    }
    j += ']';
    if (!extra_members.empty()) j += ", " + extra_members;
    return j + '}';
}

}  // namespace cdccraft
