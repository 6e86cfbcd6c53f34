#include "core/evolution_ops.hpp"

#include "core/run_config.hpp"

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

std::string all_names() {
    std::string names;
    for (const OpEntry& e : kOps) names.append(names.empty() ? "" : ", ").append(e.name);
    return names;
}

}  // namespace

std::string_view evolution_op_name(EvolutionOp op) { return entry(op).name; }
bool adds_column(EvolutionOp op) { return entry(op).adds; }
std::string_view evolution_op_description(EvolutionOp op) { return entry(op).description; }

std::string evolution_ops_text(EvolutionOps ops) {
    std::string text;
    for (size_t i = 0; i < kEvolutionOpCount; ++i) {
        const auto op = static_cast<EvolutionOp>(i);
        if (ops.has(op)) text.append(text.empty() ? "" : ",").append(evolution_op_name(op));
    }
    return text;
}

EvolutionOps parse_evolution_ops(std::string_view text) {
    EvolutionOps ops;
    if (text.empty()) return ops;
    // Every piece between commas is a name: "add," names "" as well.
    for (size_t at = 0; at <= text.size();) {
        size_t end = text.find(',', at);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view name = text.substr(at, end - at);
        at = end + 1;
        if (name == "all") {
            ops = EvolutionOps::all();
            continue;
        }
        bool known = false;
        for (size_t i = 0; i < kEvolutionOpCount && !known; ++i) {
            if (kOps[i].name != name) continue;
            ops = EvolutionOps::of({static_cast<EvolutionOp>(i)}) | ops;
            known = true;
        }
        if (!known)
            throw ConfigError(ConfigErrorKind::InvalidValue,
                              "evolution_ops names an unknown operation \"" + std::string(name) + "\"",
                              "The operations are all, " + all_names() + ".");
    }
    return ops;
}

}  // namespace cdccraft
