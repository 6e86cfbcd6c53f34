// What a run holds: the one place that drops a run's slot on proof.
#pragma once

#include "pg/postgres_api.hpp"

namespace cdccraft::pg {

// The slot proof of cdccraft.claims_of, in C: a slot of this database whose
// restart_lsn (valid: not invalidated) is below the proof is the run's.
bool slot_proven(XLogRecPtr restart_lsn, Oid database, XLogRecPtr proof);

// Drops the slot called name if it is provably the run's (see
// cdccraft.claims_of): a logical slot of this database whose restart_lsn is
// below proof. The slot is acquired before it is judged, so that nothing can
// drop or replace it between the proof and the drop; a slot a consumer
// reads cannot be acquired, and raises the server's error. Returns whether
// it dropped the slot.
bool drop_slot_if_proven(const char* name, XLogRecPtr proof);

// The name of run_id's canary slot (verify => true); palloc'd.
const char* canary_slot_name(int64 run_id);

}  // namespace cdccraft::pg
