#include "core/pgoutput_message.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace cdccraft::pgoutput;

namespace {

// Messages captured from PostgreSQL 15's pgoutput (protocol 1) for
//   CREATE TABLE public.vec (id int PRIMARY KEY, name text, note text);
//   ALTER TABLE public.vec REPLICA IDENTITY FULL;
//   INSERT INTO public.vec VALUES (1, 'Ada', NULL), (2, 'Zoë', 'x');
//   UPDATE public.vec SET name = 'Grace' WHERE id = 1;
//   DELETE FROM public.vec WHERE id = 2;
//   TRUNCATE public.vec;
// read with pg_logical_slot_peek_binary_changes(..., 'proto_version', '1', ...).
const char* const kBegin = "4200000000018dd9c80003048e9311ddba00000300";
const char* const kRelation =
    "52000041767075626c696300766563006600030169640000000017ffffffff016e616d650000000019ffffffff016e6f746500000000"
    "19ffffffff";
const char* const kInsertNull = "49000041764e000374000000013174000000034164616e";
const char* const kInsertUtf8 = "49000041764e000374000000013274000000045a6fc3ab740000000178";
const char* const kCommit = "430000000000018dd9c800000000018dd9f80003048e9311ddba";
const char* const kUpdateFull =
    "55000041764f000374000000013174000000034164616e4e0003740000000131740000000547726163656e";
const char* const kDeleteFull = "44000041764f000374000000013274000000045a6fc3ab740000000178";
const char* const kTruncate = "54000000010000004176";

std::string unhex(const char* hex) {
    std::string out;
    for (const char* p = hex; p[0] && p[1]; p += 2)
        out.push_back(static_cast<char>(std::stoi(std::string(p, 2), nullptr, 16)));
    return out;
}

Message parsed(const char* hex) { return parse_message(unhex(hex)); }

}  // namespace

TEST(PgoutputMessage, BeginAndCommitCarryTheTransaction) {
    const Message begin = parsed(kBegin);
    EXPECT_EQ(begin.kind, Kind::Begin);
    EXPECT_EQ(begin.final_lsn, 0x18DD9C8u);
    EXPECT_EQ(begin.xid, 768u);
    const Message commit = parsed(kCommit);
    EXPECT_EQ(commit.kind, Kind::Commit);
    EXPECT_EQ(commit.commit_lsn, begin.final_lsn);  // Begin's final LSN is the commit record's start
    EXPECT_EQ(commit.end_lsn, 0x18DD9F8u);
    EXPECT_EQ(commit.commit_time, begin.commit_time);
}

TEST(PgoutputMessage, RelationDescribesTheColumns) {
    const Message r = parsed(kRelation);
    EXPECT_EQ(r.kind, Kind::Relation);
    EXPECT_EQ(r.oid, 0x4176u);
    EXPECT_EQ(r.namespace_name, "public");
    EXPECT_EQ(r.name, "vec");
    EXPECT_EQ(r.replica_identity, 'f');
    ASSERT_EQ(r.columns.size(), 3u);
    EXPECT_EQ(r.columns[0].name, "id");
    EXPECT_EQ(r.columns[0].type_oid, 23u);  // int4
    EXPECT_EQ(r.columns[0].type_modifier, -1);
    EXPECT_TRUE(r.columns[2].in_key);  // REPLICA IDENTITY FULL: every column
    EXPECT_EQ(r.columns[2].name, "note");
    EXPECT_EQ(r.columns[2].type_oid, 25u);  // text
}

TEST(PgoutputMessage, InsertCarriesTextAndNulls) {
    const Message first = parsed(kInsertNull);
    EXPECT_EQ(first.kind, Kind::Insert);
    ASSERT_EQ(first.new_tuple.size(), 3u);
    EXPECT_EQ(first.new_tuple[0].form, Value::Form::Text);
    EXPECT_EQ(first.new_tuple[0].bytes, "1");
    EXPECT_EQ(first.new_tuple[1].bytes, "Ada");
    EXPECT_EQ(first.new_tuple[2].form, Value::Form::Null);
    const Message second = parsed(kInsertUtf8);
    EXPECT_EQ(second.new_tuple[1].bytes, "Zo\xC3\xAB");  // the text as the server's encoding has it
}

TEST(PgoutputMessage, UpdateAndDeleteCarryTheOldRow) {
    const Message u = parsed(kUpdateFull);
    EXPECT_EQ(u.kind, Kind::Update);
    EXPECT_EQ(u.old_form, 'O');
    EXPECT_EQ(u.old_tuple[1].bytes, "Ada");
    EXPECT_EQ(u.new_tuple[1].bytes, "Grace");
    const Message d = parsed(kDeleteFull);
    EXPECT_EQ(d.kind, Kind::Delete);
    EXPECT_EQ(d.old_form, 'O');
    EXPECT_EQ(d.old_tuple[0].bytes, "2");
    EXPECT_TRUE(d.new_tuple.empty());
}

TEST(PgoutputMessage, TruncateNamesItsRelations) {
    const Message t = parsed(kTruncate);
    EXPECT_EQ(t.kind, Kind::Truncate);
    ASSERT_EQ(t.truncated.size(), 1u);
    EXPECT_EQ(t.truncated[0], 0x4176u);
    EXPECT_EQ(t.truncate_options, 0);
}

TEST(PgoutputMessage, RefusesMalformedMessages) {
    for (const char* hex : {kBegin, kRelation, kInsertUtf8, kUpdateFull, kDeleteFull, kTruncate, kCommit}) {
        const std::string whole = unhex(hex);
        // Every proper prefix is too short, and one byte more is too long.
        for (size_t n = 0; n < whole.size(); ++n) EXPECT_THROW(parse_message(whole.substr(0, n)), DecodeError) << hex;
        EXPECT_THROW(parse_message(whole + '\0'), DecodeError) << hex;
    }
    EXPECT_THROW(parse_message("Z"), DecodeError);
    EXPECT_THROW(parse_message(unhex("49000041764e00017a")), DecodeError);  // an unknown column form
}
