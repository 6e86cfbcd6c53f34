// pgoutput's binary protocol (version 1), parsed: the messages a logical
// slot with pgoutput emits for a publication, as
// pg_logical_slot_peek_binary_changes() or a replication connection hands
// them over. The run's canary slot is decoded with this, independently of
// any consumer, to tell what the server emitted. Plain C++, no PostgreSQL.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cdccraft::pgoutput {

enum class Kind : char {
    Begin = 'B',
    Commit = 'C',
    Origin = 'O',
    Relation = 'R',
    Type = 'Y',
    Insert = 'I',
    Update = 'U',
    Delete = 'D',
    Truncate = 'T',
    LogicalMessage = 'M',
};

// One column of a tuple: null, an unchanged TOAST value that was not sent,
// or the value as text (or, with binary mode, the type's binary form).
struct Value {
    enum class Form : char { Null = 'n', Unchanged = 'u', Text = 't', Binary = 'b' };
    Form form = Form::Null;
    std::string bytes;
};
using Tuple = std::vector<Value>;

struct Column {
    bool in_key = false;  // part of the replica identity
    std::string name;
    uint32_t type_oid = 0;
    int32_t type_modifier = -1;
};

struct Message {
    Kind kind = Kind::Begin;
    // Begin: final_lsn (the commit record's start), commit_time, xid.
    // Commit: commit_lsn (its start), end_lsn (its end), commit_time.
    // Origin, LogicalMessage: lsn.
    uint64_t final_lsn = 0;
    uint64_t commit_lsn = 0;
    uint64_t end_lsn = 0;
    uint64_t lsn = 0;
    int64_t commit_time = 0;  // microseconds since 2000-01-01 UTC
    uint32_t xid = 0;
    // Relation, Type, Insert, Update, Delete: the relation's (or type's) oid.
    uint32_t oid = 0;
    std::string namespace_name;  // Relation, Type: "" for pg_catalog
    std::string name;            // Relation, Type, Origin; LogicalMessage: the prefix
    char replica_identity = 0;   // Relation: 'd', 'n', 'f' or 'i'
    std::vector<Column> columns;
    // Update and Delete: the old key ('K') or the old row ('O'), if sent.
    char old_form = 0;
    Tuple old_tuple;
    Tuple new_tuple;  // Insert, Update
    // Truncate.
    std::vector<uint32_t> truncated;
    uint8_t truncate_options = 0;  // 1: CASCADE, 2: RESTART IDENTITY
    // LogicalMessage.
    bool transactional = false;
    std::string content;
};

class DecodeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// One message, as the slot emitted it; throws DecodeError on anything that is
// not a well-formed protocol 1 message, never reading past its end.
Message parse_message(std::string_view bytes);

}  // namespace cdccraft::pgoutput
