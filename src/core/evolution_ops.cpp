#include "core/evolution_ops.hpp"

#include "core/name_set.hpp"

namespace cdccraft {
namespace {

struct OpEntry {
    std::string_view name;
    bool adds;
    std::string_view description;
};

constexpr OpEntry kOps[] = {
#define CDCCRAFT_EVOLUTION_OP_ENTRY(id, name, adds, description) {#name, adds, description},
    CDCCRAFT_EVOLUTION_OPS(CDCCRAFT_EVOLUTION_OP_ENTRY)
#undef CDCCRAFT_EVOLUTION_OP_ENTRY
};

const OpEntry& entry(EvolutionOp op) { return kOps[static_cast<size_t>(op)]; }

constexpr std::string_view kNames[] = {
#define CDCCRAFT_EVOLUTION_OP_NAME(id, name, ...) #name,
    CDCCRAFT_EVOLUTION_OPS(CDCCRAFT_EVOLUTION_OP_NAME)
#undef CDCCRAFT_EVOLUTION_OP_NAME
};

}  // namespace

std::string_view evolution_op_name(EvolutionOp op) { return entry(op).name; }
bool adds_column(EvolutionOp op) { return entry(op).adds; }
std::string_view evolution_op_description(EvolutionOp op) { return entry(op).description; }

std::string evolution_ops_text(EvolutionOps ops) { return name_bits_text(ops.bits(), kNames, kEvolutionOpCount); }

EvolutionOps parse_evolution_ops(std::string_view text) {
    return EvolutionOps::from_bits(parse_name_bits(text, kNames, kEvolutionOpCount, "evolution_ops", "operation"));
}

}  // namespace cdccraft
