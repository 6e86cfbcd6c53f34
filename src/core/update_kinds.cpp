#include "core/update_kinds.hpp"

#include "core/name_set.hpp"

namespace cdccraft {
namespace {

constexpr std::string_view kNames[] = {
#define CDCCRAFT_UPDATE_KIND_NAME(id, name, ...) #name,
    CDCCRAFT_UPDATE_KINDS(CDCCRAFT_UPDATE_KIND_NAME)
#undef CDCCRAFT_UPDATE_KIND_NAME
};
constexpr std::string_view kDescriptions[] = {
#define CDCCRAFT_UPDATE_KIND_DESCRIPTION(id, name, description) description,
    CDCCRAFT_UPDATE_KINDS(CDCCRAFT_UPDATE_KIND_DESCRIPTION)
#undef CDCCRAFT_UPDATE_KIND_DESCRIPTION
};

}  // namespace

std::string_view update_kind_name(UpdateKind kind) { return kNames[static_cast<size_t>(kind)]; }
std::string_view update_kind_description(UpdateKind kind) { return kDescriptions[static_cast<size_t>(kind)]; }

std::string update_kinds_text(UpdateKinds kinds) { return name_bits_text(kinds.bits(), kNames, kUpdateKindCount); }

UpdateKinds parse_update_kinds(std::string_view text) {
    return UpdateKinds::from_bits(parse_name_bits(text, kNames, kUpdateKindCount, "update_kinds", "kind"));
}

}  // namespace cdccraft
