#include "core/column_catalog.hpp"

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
};

}  // namespace

const ColumnSpec& column_spec(ColumnId id) { return kColumns[id]; }

}  // namespace cdccraft
