// Generated text in the database's encoding. The core's name pools are
// UTF-8; a database in another encoding stores each name converted to it, or,
// where the encoding lacks one of the name's characters, the name's ASCII
// folding. Everything else the core generates is ASCII, which every server
// encoding holds as it is.
#pragma once

#include "core/batch_planner.hpp"

namespace cdccraft::pg {

// Fills the planner's name spellings for the database's encoding; once, in a
// transaction (conversions are looked up in the catalog), before the first
// plan. A UTF8 or SQL_ASCII database keeps the pools' bytes.
void spell_names_for_database(BatchPlanner* planner);

}  // namespace cdccraft::pg
