/* Test hook (private): make the next executed node of a primitive fail as if its kernel had
   failed, to exercise execution-time error paths (poisoning, reporting, recovery). */
#ifndef WEIR_CORE_FAULT_INJECTION_H
#define WEIR_CORE_FAULT_INJECTION_H

#include "backend/kernel.h"
#include "weir/error.h"

/* One shot, process-wide: the next node of `prim` to run on any stream fails with st. */
void weir__inject_kernel_failure(weir__prim prim, weir_status st);
/* Called by the worker before running a kernel: the armed status, or WEIR_OK. */
weir_status weir__take_injected_failure(weir__prim prim);

#endif
