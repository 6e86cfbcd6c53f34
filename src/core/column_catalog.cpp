#include "core/column_catalog.hpp"

#include <array>

namespace cdccraft {
namespace {

constexpr std::string_view kSalesChannels[] = {"web", "mobile", "store"};
constexpr std::string_view kRegions[] = {"NA", "EU", "APAC"};
constexpr std::string_view kCurrencies[] = {"USD", "EUR", "GBP", "NGN"};
constexpr std::string_view kPaymentMethods[] = {"card", "paypal", "bank_transfer"};
constexpr std::string_view kCustomerTiers[] = {"bronze", "silver", "gold", "platinum"};

template <size_t N>
constexpr ColumnSpec choice(std::string_view name, const std::string_view (&values)[N]) {
    return {name, "text", ValueKind::Text, Generator::Choice, false, true, false, values, N};
}

constexpr std::string_view kOrderStatuses[kEnumLabelCount] = {"pending",  "paid",     "shipped",  "delivered",
                                                              "returned", "refunded", "disputed", "lost"};

constexpr ColumnSpec typed(std::string_view name, std::string_view type, TypedKind kind) {
    return {name, type, ValueKind::Typed, Generator::Typed, false, false, false, nullptr, 0, kind};
}

constexpr ColumnSpec plain(std::string_view name, std::string_view type, ValueKind kind, Generator gen, bool optional,
                           bool not_null = false) {
    return {name, type, kind, gen, false, optional, not_null, nullptr, 0};
}

constexpr ColumnSpec kColumns[kColumnCount] = {
    {"id", "uuid", ValueKind::Uuid, Generator::Key, true, false, true, nullptr, 0},
    plain("customer_name", "text", ValueKind::Text, Generator::PersonName, false, true),
    plain("item_id", "integer", ValueKind::Int4, Generator::ItemId, false),
    plain("quantity", "integer", ValueKind::Int4, Generator::Quantity, false),
    plain("total_amount", "double precision", ValueKind::Float8, Generator::TotalAmount, false),
    plain("purchased_at", "timestamp", ValueKind::Timestamp, Generator::PastTimestamp, false),
    {"created_at", "timestamp", ValueKind::Timestamp, Generator::ServerDefault, true, false, true, nullptr, 0},
    {"updated_at", "timestamp", ValueKind::Timestamp, Generator::ServerDefault, true, false, true, nullptr, 0},
    plain("promo_code", "text", ValueKind::Text, Generator::PromoCode, true),
    plain("discount_rate", "double precision", ValueKind::Float8, Generator::DiscountRate, true),
    plain("is_gift", "boolean", ValueKind::Bool, Generator::Flag, true),
    choice("sales_channel", kSalesChannels),
    choice("region", kRegions),
    choice("currency", kCurrencies),
    choice("payment_method", kPaymentMethods),
    plain("is_returned", "boolean", ValueKind::Bool, Generator::Flag, true),
    choice("customer_tier", kCustomerTiers),
    plain("tax_amount", "double precision", ValueKind::Float8, Generator::TaxAmount, true),
    typed("t_smallint", "pg_catalog.int2", TypedKind::Int2),
    typed("t_integer", "pg_catalog.int4", TypedKind::Int4),
    typed("t_bigint", "pg_catalog.int8", TypedKind::Int8),
    typed("t_numeric_12_2", "pg_catalog.numeric(12,2)", TypedKind::Numeric12_2),
    typed("t_numeric", "pg_catalog.numeric", TypedKind::Numeric),
    typed("t_real", "pg_catalog.float4", TypedKind::Float4),
    typed("t_double", "pg_catalog.float8", TypedKind::Float8),
    typed("t_boolean", "pg_catalog.bool", TypedKind::Boolean),
    typed("t_text", "pg_catalog.text", TypedKind::Text),
    typed("t_varchar_40", "pg_catalog.varchar(40)", TypedKind::Varchar40),
    typed("t_char_8", "pg_catalog.bpchar(8)", TypedKind::Char8),
    typed("t_bytea", "pg_catalog.bytea", TypedKind::Bytea),
    typed("t_uuid", "pg_catalog.uuid", TypedKind::Uuid),
    typed("t_date", "pg_catalog.date", TypedKind::Date),
    typed("t_time", "pg_catalog.time", TypedKind::Time),
    typed("t_timetz", "pg_catalog.timetz", TypedKind::TimeTz),
    typed("t_timestamp_0", "pg_catalog.timestamp(0)", TypedKind::Timestamp),
    typed("t_timestamp_3", "pg_catalog.timestamp(3)", TypedKind::Timestamp),
    typed("t_timestamp_6", "pg_catalog.timestamp(6)", TypedKind::Timestamp),
    typed("t_timestamptz_0", "pg_catalog.timestamptz(0)", TypedKind::TimestampTz),
    typed("t_timestamptz_3", "pg_catalog.timestamptz(3)", TypedKind::TimestampTz),
    typed("t_timestamptz_6", "pg_catalog.timestamptz(6)", TypedKind::TimestampTz),
    typed("t_interval", "pg_catalog.interval", TypedKind::Interval),
    typed("t_json", "pg_catalog.json", TypedKind::Json),
    typed("t_jsonb", "pg_catalog.jsonb", TypedKind::Json),
    typed("t_text_array", "pg_catalog.text[]", TypedKind::TextArray),
    typed("t_int_array", "pg_catalog.int4[]", TypedKind::IntArray),
    typed("t_interval_array", "pg_catalog.interval[]", TypedKind::IntervalArray),
    typed("t_inet", "pg_catalog.inet", TypedKind::Inet),
    typed("t_cidr", "pg_catalog.cidr", TypedKind::Cidr),
    typed("t_macaddr", "pg_catalog.macaddr", TypedKind::Macaddr),
    typed("t_document", "pg_catalog.text", TypedKind::Document),
    typed("t_money", "pg_catalog.money", TypedKind::Money),
    // Their types are the run's own (SchemaState::shape names them).
    {"t_enum", "", ValueKind::Typed, Generator::Typed, false, false, false, kOrderStatuses, kInitialEnumLabels,
     TypedKind::Enum},
    typed("t_rating", "", TypedKind::Rating),
    plain("duration", "integer", ValueKind::Int4, Generator::Quantity, false),
    plain("Duration", "integer", ValueKind::Int4, Generator::Quantity, false),
    plain("\"note\"", "text", ValueKind::Text, Generator::PromoCode, false),
};

constexpr Widening kWidenings[] = {
    {TypedKind::Int8, "pg_catalog.int8"},
    {TypedKind::Varchar80, "pg_catalog.varchar(80)"},
    {TypedKind::Numeric16_2, "pg_catalog.numeric(16,2)"},
    {TypedKind::TimestampTz, "pg_catalog.timestamptz(0)", true},
    {TypedKind::TimestampTz, "pg_catalog.timestamptz(3)", true},
    {TypedKind::TimestampTz, "pg_catalog.timestamptz(6)", true},
};

}  // namespace

const ColumnSpec& column_spec(ColumnId id) { return kColumns[id]; }

std::string_view enum_label(size_t i) { return kOrderStatuses[i]; }

std::string_view renamed_column_name(ColumnId id) {
    static const auto names = [] {
        std::array<std::string, kColumnCount> all;
        for (size_t i = 0; i < kColumnCount; ++i) all[i] = std::string(kColumns[i].name) + "_renamed";
        return all;
    }();
    return names[id];
}

const Widening* widening_of(const ColumnSpec& spec) {
    switch (spec.typed) {
        case TypedKind::Int4: return &kWidenings[0];
        case TypedKind::Varchar40: return &kWidenings[1];
        case TypedKind::Numeric12_2: return &kWidenings[2];
        case TypedKind::Timestamp:
            if (spec.sql_type == "pg_catalog.timestamp(0)") return &kWidenings[3];
            if (spec.sql_type == "pg_catalog.timestamp(3)") return &kWidenings[4];
            if (spec.sql_type == "pg_catalog.timestamp(6)") return &kWidenings[5];
            return nullptr;
        default: return nullptr;
    }
}

DefaultValue default_value_of(const ColumnSpec& spec) {
    switch (spec.kind) {
        case ValueKind::Text:
            if (spec.generator == Generator::Choice)
                return {"'" + std::string(spec.choices[0]) + "'", std::string(spec.choices[0])};
            return {"'n/a'", "n/a"};
        case ValueKind::Int4:
        case ValueKind::Float8: return {"0", "0"};
        case ValueKind::Bool: return {"false", "f"};
        case ValueKind::Timestamp: return {"'2000-01-01 00:00:00'", ""};
        case ValueKind::Uuid:
        case ValueKind::Typed: break;
    }
    return {"", ""};
}

}  // namespace cdccraft
