/* Test hooks (private) that exercise execution-time error paths (poisoning, reporting, recovery):
   a kernel that fails, the Nth heap or host-buffer allocation that fails, and (CUDA builds) the
   Nth CUDA runtime call that fails. Each is one shot and process-wide. */
#ifndef WEIR_CORE_FAULT_INJECTION_H
#define WEIR_CORE_FAULT_INJECTION_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/kernel.h"
#include "weir/error.h"

/* The next node of `prim` to run on any stream fails with st. */
void weir__inject_kernel_failure(weir__prim prim, weir_status st);
/* Called by the worker before running a kernel: the armed status, or WEIR_OK. */
weir_status weir__take_injected_failure(weir__prim prim);

/* The nth allocation from now (n >= 1; counted over weir__malloc & co. and the raw host-buffer
   allocators, on every thread) returns NULL; n == 0 disarms. */
void weir__inject_alloc_failure(uint64_t n);
/* Whether the armed allocation failure happened since the last weir__inject_alloc_failure. */
bool weir__injected_alloc_failed(void);
/* Called by every allocation site: true when this allocation must fail. */
bool weir__alloc_should_fail(void);

/* The nth checked CUDA runtime call from now (n >= 1) reports an error (cudaErrorLaunchFailure
   semantics: the backend maps it to WEIR_ERR_DEVICE); n == 0 disarms. */
void weir__inject_cuda_failure(uint64_t n);
bool weir__injected_cuda_failed(void);
/* Called by the CUDA backend where it checks a runtime call's result. */
bool weir__cuda_should_fail(void);

#endif
