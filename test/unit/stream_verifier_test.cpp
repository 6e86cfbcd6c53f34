#include "core/stream_verifier.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <optional>
#include <string>

#include "core/batch_message.hpp"

using namespace cdccraft;

namespace {

// pgoutput protocol 1 messages, written as the server writes them.
struct Writer {
    std::string out;
    Writer& byte(char c) {
        out.push_back(c);
        return *this;
    }
    Writer& int16(uint16_t v) {
        for (int s = 8; s >= 0; s -= 8) out.push_back(static_cast<char>(v >> s));
        return *this;
    }
    Writer& int32(uint32_t v) {
        for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>(v >> s));
        return *this;
    }
    Writer& int64(uint64_t v) {
        for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<char>(v >> s));
        return *this;
    }
    Writer& cstring(const std::string& s) {
        out += s;
        out.push_back('\0');
        return *this;
    }
    Writer& tuple(std::initializer_list<std::optional<std::string>> values) {
        int16(static_cast<uint16_t>(values.size()));
        for (const auto& v : values) {
            if (!v) {
                byte('n');
                continue;
            }
            byte('t').int32(static_cast<uint32_t>(v->size()));
            out += *v;
        }
        return *this;
    }
};

constexpr uint32_t kTable = 16384;

std::string begin(uint32_t xid) { return Writer().byte('B').int64(0x100).int64(0).int32(xid).out; }
std::string commit(uint64_t end) { return Writer().byte('C').byte(0).int64(end - 0x30).int64(end).int64(0).out; }
std::string relation(std::initializer_list<std::string> columns, const std::string& name = "sales") {
    Writer w;
    w.byte('R').int32(name == "sales" ? kTable : kTable + 1).cstring("public").cstring(name).byte('f');
    w.int16(static_cast<uint16_t>(columns.size()));
    for (const std::string& c : columns) w.byte(1).cstring(c).int32(25).int32(0xFFFFFFFF);
    return w.out;
}
std::string insert(const std::string& id, const std::string& qty) {
    return Writer().byte('I').int32(kTable).byte('N').tuple({id, qty}).out;
}
std::string update(const std::string& id, const std::string& qty) {
    return Writer().byte('U').int32(kTable).byte('O').tuple({id, "0"}).byte('N').tuple({id, qty}).out;
}
std::string delete_message(const std::string& id) {
    return Writer().byte('D').int32(kTable).byte('O').tuple({id, "0"}).out;
}

TruthChange change(ChangeOp op, const std::string& key,
                   std::vector<std::pair<std::string, std::optional<std::string>>> values = {}) {
    return TruthChange{op, key, std::move(values)};
}

TruthTransaction transaction(int64_t batch, uint32_t xid, uint64_t lsn, std::vector<TruthChange> changes,
                             bool schema_changed = false) {
    TruthTransaction t;
    t.batch = batch;
    t.xid = xid;
    t.commit_lsn = lsn;
    t.schema_changed = schema_changed;
    t.columns = {"id", "qty"};
    t.changes = std::move(changes);
    return t;
}

// One transaction's messages: Begin, the changes, Commit.
void emit(StreamVerifier& v, uint32_t xid, uint64_t end, std::initializer_list<std::string> changes) {
    v.emitted(begin(xid));
    for (const std::string& m : changes) v.emitted(m);
    v.emitted(commit(end));
}

// A verifier that has seen the table's Relation once, as the slot sends it
// before the first change.
StreamVerifier verifier() {
    StreamVerifier v("public", "sales");
    v.emitted(relation({"id", "qty"}));
    return v;
}

TruthTransaction batch1() {
    return transaction(1, 700, 0x1000,
                       {change(ChangeOp::Insert, "a", {{"id", "a"}, {"qty", "1"}}),
                        change(ChangeOp::Insert, "b", {{"id", "b"}, {"qty", "2"}}),
                        change(ChangeOp::Update, "a", {{"qty", "5"}}), change(ChangeOp::Delete, "b")});
}

}  // namespace

TEST(StreamVerifier, AnExactStreamIsOk) {
    StreamVerifier v = verifier();
    v.expect(batch1());
    emit(v, 700, 0x1000, {insert("a", "1"), insert("b", "2"), update("a", "5"), delete_message("b")});
    v.truth_exhausted();
    v.finish();
    EXPECT_TRUE(v.ok()) << v.verdict_json("");
    EXPECT_NE(v.verdict_json("").find("\"checked\": {\"insert\": 2, \"update\": 1, \"delete\": 1"), std::string::npos)
        << v.verdict_json("");
}

TEST(StreamVerifier, RowsOfOneStatementMayComeInAnyOrder) {
    StreamVerifier v = verifier();
    v.expect(transaction(2, 701, 0x2000, {change(ChangeOp::Delete, "a"), change(ChangeOp::Delete, "b")}));
    emit(v, 701, 0x2000, {delete_message("b"), delete_message("a")});
    v.truth_exhausted();
    v.finish();
    EXPECT_TRUE(v.ok()) << v.verdict_json("");
}

TEST(StreamVerifier, AKeysOwnChangesMayNot) {
    StreamVerifier v = verifier();
    v.expect(batch1());
    emit(v, 700, 0x1000, {insert("b", "2"), update("a", "5"), insert("a", "1"), delete_message("b")});
    v.truth_exhausted();
    v.finish();
    EXPECT_FALSE(v.ok());
}

TEST(StreamVerifier, NamesTheTransactionTheSlotPassedOver) {
    StreamVerifier v = verifier();
    v.expect(batch1());
    // The caller gives truth only as the slot's transactions ask for it.
    emit(v, 702, 0x3000, {insert("c", "3")});
    EXPECT_TRUE(v.wants_truth());
    v.expect(transaction(2, 702, 0x3000, {change(ChangeOp::Insert, "c", {{"id", "c"}, {"qty", "3"}})}));
    EXPECT_FALSE(v.wants_truth());
    v.truth_exhausted();
    v.finish();
    EXPECT_EQ(v.differences(), 1);
    const std::string verdict = v.verdict_json("");
    EXPECT_NE(verdict.find("{\"lsn\": \"0/1000\", \"expected\": {\"batch\": 1, \"xid\": 700"), std::string::npos)
        << verdict;
    EXPECT_NE(verdict.find("\"actual\": null"), std::string::npos) << verdict;
}

TEST(StreamVerifier, NamesWhatTheTruthLacks) {
    StreamVerifier v = verifier();
    emit(v, 703, 0x4000, {insert("d", "4")});
    v.truth_exhausted();
    v.finish();
    EXPECT_EQ(v.differences(), 1);
    EXPECT_NE(v.verdict_json("").find("\"expected\": null, \"actual\": {\"xid\": 703"), std::string::npos)
        << v.verdict_json("");
}

TEST(StreamVerifier, ComparesValuesAsText) {
    StreamVerifier v = verifier();
    v.expect(batch1());
    emit(v, 700, 0x1000, {insert("a", "1"), insert("b", "2"), update("a", "6"), delete_message("b")});
    v.truth_exhausted();
    v.finish();
    EXPECT_EQ(v.differences(), 1);
    EXPECT_NE(v.verdict_json("").find("\"data\": {\"qty\": \"5\"}"), std::string::npos) << v.verdict_json("");
}

TEST(StreamVerifier, WantsARelationBeforeTheFirstChangeAfterASchemaChange) {
    StreamVerifier without = verifier();
    without.expect(transaction(3, 704, 0x5000, {change(ChangeOp::Delete, "a")}, true));
    emit(without, 704, 0x5000, {delete_message("a")});
    without.truth_exhausted();
    without.finish();
    EXPECT_EQ(without.differences(), 1);

    StreamVerifier with = verifier();
    with.expect(transaction(3, 704, 0x5000, {change(ChangeOp::Delete, "a")}, true));
    emit(with, 704, 0x5000, {relation({"id", "qty"}), delete_message("a")});
    with.truth_exhausted();
    with.finish();
    EXPECT_TRUE(with.ok()) << with.verdict_json("");
}

TEST(StreamVerifier, ChangesOfAnotherRelationAreDifferences) {
    StreamVerifier v = verifier();
    v.expect(transaction(1, 705, 0x6000, {}));
    v.emitted(begin(705));
    v.emitted(relation({"id", "qty"}, "other"));
    v.emitted(Writer().byte('I').int32(kTable + 1).byte('N').tuple({"x", "1"}).out);
    v.emitted(commit(0x6000));
    v.truth_exhausted();
    v.finish();
    EXPECT_EQ(v.differences(), 1);
}

TEST(StreamVerifier, SkippedTransactionsAreDifferences) {
    StreamVerifier v = verifier();
    v.skipped(batch1());
    v.truth_exhausted();
    v.finish();
    EXPECT_FALSE(v.ok());
    EXPECT_NE(v.verdict_json("").find("\"skipped\": 1"), std::string::npos);
}

TEST(StreamVerifier, ANullIsNotAnEmptyString) {
    StreamVerifier v = verifier();
    v.expect(transaction(4, 706, 0x7000,
                         {change(ChangeOp::Insert, "e", {{"id", "e"}, {"qty", std::nullopt}}),
                          change(ChangeOp::Insert, "f", {{"id", "f"}, {"qty", std::nullopt}})}));
    v.emitted(begin(706));
    v.emitted(Writer().byte('I').int32(kTable).byte('N').tuple({"e", std::nullopt}).out);
    v.emitted(Writer().byte('I').int32(kTable).byte('N').tuple({"f", ""}).out);
    v.emitted(commit(0x7000));
    v.truth_exhausted();
    v.finish();
    EXPECT_EQ(v.differences(), 1) << v.verdict_json("");
    EXPECT_NE(v.verdict_json("").find("\"qty\": null"), std::string::npos) << v.verdict_json("");
}

TEST(StreamVerifier, AnUndecodableMessageIsADifference) {
    StreamVerifier v = verifier();
    v.emitted(std::string("I\x00", 2));
    EXPECT_EQ(v.differences(), 1);
}

namespace {
std::string logical_message(const std::string& prefix, const std::string& content) {
    Writer w;
    w.byte('M').byte(1).int64(0x500).cstring(prefix).int32(static_cast<uint32_t>(content.size()));
    w.out += content;
    return w.out;
}
}  // namespace

// emit_messages: the batch's message is its last change, prefix and content
// compared; a transaction holding only others' messages is not the table's.
TEST(StreamVerifier, MessagesAreChangesAndOthersArePassedOver) {
    StreamVerifier v = verifier();
    v.expect(transaction(1, 700, 0x1000,
                         {change(ChangeOp::Insert, "a", {{"id", "a"}, {"qty", "1"}}),
                          change(ChangeOp::Message, "", {{"prefix", "cdccraft"}, {"content", "{\"batch\": 1}"}})}));
    emit(v, 699, 0x0800, {logical_message("other", "hello")});
    emit(v, 700, 0x1000, {insert("a", "1"), logical_message("cdccraft", "{\"batch\": 1}")});
    v.truth_exhausted();
    v.finish();
    EXPECT_TRUE(v.ok()) << v.verdict_json("");
    EXPECT_NE(v.verdict_json("").find("\"message\": 1"), std::string::npos) << v.verdict_json("");

    StreamVerifier wrong = verifier();
    wrong.expect(transaction(1, 700, 0x1000,
                             {change(ChangeOp::Message, "", {{"prefix", "cdccraft"}, {"content", "{\"batch\": 1}"}})}));
    emit(wrong, 700, 0x1000, {logical_message("cdccraft", "{\"batch\": 2}")});
    wrong.truth_exhausted();
    wrong.finish();
    EXPECT_FALSE(wrong.ok()) << "another content is a difference";
}

// A key update (update_kinds key): the truth names the row by its old key,
// the slot sends that in the old key or row ('K' under REPLICA IDENTITY
// DEFAULT, 'O' under FULL) and the new key in the new row.
TEST(StreamVerifier, AKeyUpdateIsMatchedByItsOldKey) {
    for (char old_form : {'K', 'O'}) {
        StreamVerifier v = verifier();
        v.expect(transaction(3, 702, 0x3000, {change(ChangeOp::Update, "a", {{"id", "z"}, {"qty", "9"}})}));
        Writer moved;
        moved.byte('U').int32(kTable).byte(old_form);
        if (old_form == 'K')
            moved.tuple({"a", std::nullopt});
        else
            moved.tuple({"a", "1"});
        moved.byte('N').tuple({"z", "9"});
        emit(v, 702, 0x3000, {moved.out});
        v.truth_exhausted();
        v.finish();
        EXPECT_TRUE(v.ok()) << old_form << v.verdict_json("");

        // Moved to another key than the truth's: a difference.
        StreamVerifier wrong = verifier();
        wrong.expect(transaction(3, 702, 0x3000, {change(ChangeOp::Update, "a", {{"id", "y"}, {"qty", "9"}})}));
        emit(wrong, 702, 0x3000, {moved.out});
        wrong.truth_exhausted();
        wrong.finish();
        EXPECT_FALSE(wrong.ok()) << old_form;
    }
}

// A partitioned run published without publish_via_partition_root: changes
// come as the partitions', <table>_p<n>, each with its own Relation; any
// other name is another table's.
TEST(StreamVerifier, APartitionsChangesAreTheTables) {
    StreamVerifier v("public", "sales");
    v.emitted(relation({"id", "qty"}, "sales_p0"));
    v.expect(transaction(4, 703, 0x4000, {change(ChangeOp::Insert, "a", {{"id", "a"}, {"qty", "1"}})}));
    emit(v, 703, 0x4000, {Writer().byte('I').int32(kTable + 1).byte('N').tuple({"a", "1"}).out});
    v.truth_exhausted();
    v.finish();
    EXPECT_TRUE(v.ok()) << v.verdict_json("");

    for (const char* other : {"sales_p", "sales_px", "sales_archive", "sale_p1"}) {
        StreamVerifier w("public", "sales");
        w.emitted(relation({"id", "qty"}, other));
        w.expect(transaction(4, 703, 0x4000, {change(ChangeOp::Insert, "a", {{"id", "a"}, {"qty", "1"}})}));
        emit(w, 703, 0x4000, {Writer().byte('I').int32(kTable + 1).byte('N').tuple({"a", "1"}).out});
        w.truth_exhausted();
        w.finish();
        EXPECT_FALSE(w.ok()) << other;
    }
}

namespace {

std::string nontransactional(int64_t run_id, int64_t batch) {
    Writer w;
    w.byte('M').byte(0).int64(0x10).cstring("cdccraft");
    const std::string content = batch_message_content(run_id, batch);
    w.int32(static_cast<uint32_t>(content.size()));
    w.out += content;
    return w.out;
}

TruthTransaction with_message(TruthTransaction t) {
    t.nontransactional_message = true;
    return t;
}

}  // namespace

// nontransactional_messages: each committed batch's before its commit, each
// rolled-back batch's too; another run's passed over; one missing, one
// twice, one of a batch the truth never had: differences.
TEST(StreamVerifier, NontransactionalMessagesAreCheckedOutsideTransactions) {
    StreamVerifier v = verifier();
    v.check_nontransactional_messages(7, 1);
    v.emitted(nontransactional(7, 1));
    v.emitted(nontransactional(8, 1));  // another run's
    v.expect(with_message(transaction(1, 700, 0x1000, {change(ChangeOp::Insert, "a", {{"id", "a"}, {"qty", "1"}})})));
    emit(v, 700, 0x1000, {insert("a", "1")});
    v.emitted(nontransactional(7, 2));  // batch 2, rolled back
    v.emitted(nontransactional(7, 3));
    v.rolled_back_message(2);
    v.expect(with_message(transaction(3, 702, 0x3000, {change(ChangeOp::Insert, "b", {{"id", "b"}, {"qty", "2"}})})));
    emit(v, 702, 0x3000, {insert("b", "2")});
    v.truth_exhausted();
    v.finish();
    EXPECT_TRUE(v.ok()) << v.verdict_json("");
    EXPECT_NE(v.verdict_json("").find("\"nontransactional_message\": 3"), std::string::npos) << v.verdict_json("");

    auto differences = [](bool send_first, bool send_twice, bool send_stray) {
        StreamVerifier w = verifier();
        w.check_nontransactional_messages(7, 1);
        if (send_first) w.emitted(nontransactional(7, 1));
        if (send_twice) w.emitted(nontransactional(7, 1));
        if (send_stray) w.emitted(nontransactional(7, 0));
        w.expect(
            with_message(transaction(1, 700, 0x1000, {change(ChangeOp::Insert, "a", {{"id", "a"}, {"qty", "1"}})})));
        emit(w, 700, 0x1000, {insert("a", "1")});
        w.truth_exhausted();
        w.finish();
        return w.differences();
    };
    EXPECT_EQ(differences(true, false, false), 0);
    EXPECT_EQ(differences(false, false, false), 1) << "missing";
    EXPECT_EQ(differences(true, true, false), 1) << "twice";
    EXPECT_EQ(differences(true, false, true), 1) << "of no batch of the truth";
}

TEST(BatchMessage, ContentReadsBackOnlyAsWritten) {
    EXPECT_EQ(batch_message_content(3, 41), "{\"run_id\": 3, \"batch\": 41}");
    const auto m = parse_batch_message("{\"run_id\": 3, \"batch\": 41}");
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->run_id, 3);
    EXPECT_EQ(m->batch, 41);
    for (const char* other : {"{\"run_id\":3, \"batch\": 41}", "{\"run_id\": 3, \"batch\": 41} ",
                              "{\"run_id\": +3, \"batch\": 41}", "{\"run_id\": 3, \"batch\": 41, \"x\": 1}", ""})
        EXPECT_FALSE(parse_batch_message(other).has_value()) << other;
}

// With writers, a message is stray only once its own writer's later batch is
// in the truth: another writer's batch may still be in flight.
TEST(StreamVerifier, AnotherWritersMessageInFlightIsNotStray) {
    auto differences = [](int64_t message_batch) {
        StreamVerifier v = verifier();
        v.check_nontransactional_messages(7, 2);
        v.emitted(nontransactional(7, message_batch));
        v.emitted(nontransactional(7, 3));
        v.expect(
            with_message(transaction(3, 700, 0x1000, {change(ChangeOp::Insert, "a", {{"id", "a"}, {"qty", "1"}})})));
        emit(v, 700, 0x1000, {insert("a", "1")});
        v.truth_exhausted();
        v.finish();
        return v.differences();
    };
    EXPECT_EQ(differences(2), 0) << "writer 1's batch 2, still in flight";
    EXPECT_EQ(differences(4), 0) << "writer 1's batch 4, still in flight";
    EXPECT_EQ(differences(1), 1) << "writer 0's batch 1, which its batch 3 went past unclaimed";
}
