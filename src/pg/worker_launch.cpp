#include "pg/worker_launch.hpp"

namespace cdccraft::pg {

void prepare_worker_launch(BackgroundWorker* worker, const char* function, const char* type,
                           dsm_segment* main_segment) {
    memset(worker, 0, sizeof *worker);
    worker->bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    worker->bgw_start_time = BgWorkerStart_RecoveryFinished;
    worker->bgw_restart_time = BGW_NEVER_RESTART;
    strlcpy(worker->bgw_library_name, "cdccraft", BGW_MAXLEN);
    strlcpy(worker->bgw_function_name, function, BGW_MAXLEN);
    strlcpy(worker->bgw_type, type, BGW_MAXLEN);
    worker->bgw_main_arg = UInt32GetDatum(dsm_segment_handle(main_segment));
    worker->bgw_notify_pid = MyProcPid;
}

}  // namespace cdccraft::pg
