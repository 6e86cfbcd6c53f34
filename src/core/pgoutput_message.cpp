#include "core/pgoutput_message.hpp"

namespace cdccraft::pgoutput {
namespace {

// A cursor over one message that refuses to read past its end.
class Reader {
public:
    explicit Reader(std::string_view bytes) : bytes_(bytes) {}

    uint8_t u8() { return static_cast<uint8_t>(take(1)[0]); }
    char byte() { return take(1)[0]; }
    uint16_t u16() { return static_cast<uint16_t>(big_endian(2)); }
    uint32_t u32() { return static_cast<uint32_t>(big_endian(4)); }
    uint64_t u64() { return big_endian(8); }
    int64_t i64() { return static_cast<int64_t>(u64()); }
    // A NUL-terminated string.
    std::string string() {
        const size_t end = bytes_.find('\0', at_);
        if (end == std::string_view::npos) throw DecodeError("pgoutput message: string without its terminator");
        std::string s(bytes_.substr(at_, end - at_));
        at_ = end + 1;
        return s;
    }
    std::string bytes(size_t n) { return std::string(take(n)); }
    bool done() const { return at_ == bytes_.size(); }

private:
    std::string_view take(size_t n) {
        if (n > bytes_.size() - at_) throw DecodeError("pgoutput message: shorter than its contents say");
        const std::string_view s = bytes_.substr(at_, n);
        at_ += n;
        return s;
    }
    uint64_t big_endian(size_t n) {
        uint64_t v = 0;
        for (char c : take(n)) v = (v << 8) | static_cast<uint8_t>(c);
        return v;
    }

    std::string_view bytes_;
    size_t at_ = 0;
};

Tuple tuple(Reader& in) {
    const uint16_t count = in.u16();
    Tuple values(count);
    for (Value& v : values) {
        const char form = in.byte();
        switch (form) {
            case 'n': v.form = Value::Form::Null; break;
            case 'u': v.form = Value::Form::Unchanged; break;
            case 't':
            case 'b':
                v.form = form == 't' ? Value::Form::Text : Value::Form::Binary;
                v.bytes = in.bytes(in.u32());
                break;
            default: throw DecodeError(std::string("pgoutput message: unknown column form '") + form + "'");
        }
    }
    return values;
}

void expect(char got, char want, const char* what) {
    if (got != want) throw DecodeError(std::string("pgoutput message: ") + what);
}

}  // namespace

Message parse_message(std::string_view bytes) {
    Reader in(bytes);
    Message m;
    const char kind = in.byte();
    m.kind = static_cast<Kind>(kind);
    switch (kind) {
        case 'B':
            m.final_lsn = in.u64();
            m.commit_time = in.i64();
            m.xid = in.u32();
            break;
        case 'C':
            (void)in.u8();  // flags, unused in protocol 1
            m.commit_lsn = in.u64();
            m.end_lsn = in.u64();
            m.commit_time = in.i64();
            break;
        case 'O':
            m.lsn = in.u64();
            m.name = in.string();
            break;
        case 'R': {
            m.oid = in.u32();
            m.namespace_name = in.string();
            m.name = in.string();
            m.replica_identity = in.byte();
            m.columns.resize(in.u16());
            for (Column& c : m.columns) {
                c.in_key = (in.u8() & 1) != 0;
                c.name = in.string();
                c.type_oid = in.u32();
                c.type_modifier = static_cast<int32_t>(in.u32());
            }
            break;
        }
        case 'Y':
            m.oid = in.u32();
            m.namespace_name = in.string();
            m.name = in.string();
            break;
        case 'I':
            m.oid = in.u32();
            expect(in.byte(), 'N', "an insert without its new tuple");
            m.new_tuple = tuple(in);
            break;
        case 'U': {
            m.oid = in.u32();
            char next = in.byte();
            if (next == 'K' || next == 'O') {
                m.old_form = next;
                m.old_tuple = tuple(in);
                next = in.byte();
            }
            expect(next, 'N', "an update without its new tuple");
            m.new_tuple = tuple(in);
            break;
        }
        case 'D': {
            m.oid = in.u32();
            const char old = in.byte();
            if (old != 'K' && old != 'O') throw DecodeError("pgoutput message: a delete without its old key or row");
            m.old_form = old;
            m.old_tuple = tuple(in);
            break;
        }
        case 'T': {
            m.truncated.resize(in.u32());
            m.truncate_options = in.u8();
            for (uint32_t& oid : m.truncated) oid = in.u32();
            break;
        }
        case 'M':
            m.transactional = (in.u8() & 1) != 0;
            m.lsn = in.u64();
            m.name = in.string();
            m.content = in.bytes(in.u32());
            break;
        default: throw DecodeError(std::string("pgoutput message: unknown type '") + kind + "'");
    }
    if (!in.done()) throw DecodeError("pgoutput message: longer than its contents say");
    return m;
}

}  // namespace cdccraft::pgoutput
