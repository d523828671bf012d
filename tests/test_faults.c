/* Fault injection (issue 6) on the CPU: an allocation failure at every allocation site in turn
   and an error raised inside a task of each kind, over the workload of fault_workload.h. CUDA
   runtime errors: test_gpu_faults.c. */
#include "harness.h"

#include "fault_workload.h"

static void test_alloc_failure_every_site(void) {
  static const weir_status allowed[] = {WEIR_ERR_OUT_OF_MEMORY};
  long sites = fault_every_site(weir__inject_alloc_failure, weir__injected_alloc_failed, allowed, 1,
                                "out of memory", "allocation");
  CHECK_MSG(sites >= 40, "only %ld allocations in the workload: is the hook wired?", sites);
}

/* An error raised inside a task of each kind of the workload (greater, where and astype may run
   inside a fused elementwise run, which consults the hook too). */
static weir__prim armed_prim;
static bool kernel_armed;
static void arm_kernel(uint64_t n) {
  if (n == 1) weir__inject_kernel_failure(armed_prim, WEIR_ERR_INTERNAL);
  kernel_armed = n == 1;
}
/* Whether the armed failure was taken (and disarms it when it was not). */
static bool kernel_fired(void) {
  if (!kernel_armed) return false;
  kernel_armed = false;
  return weir__take_injected_failure(armed_prim) == WEIR_OK;
}

static void test_kernel_failure_each_task(void) {
  static const weir__prim prims[] = {WEIR__P_COPY,  WEIR__P_TRANSPOSE, WEIR__P_SLICE,  WEIR__P_CONCAT,
                                     WEIR__P_SORT,  WEIR__P_CUMSUM,    WEIR__P_WHERE,  WEIR__P_ASTYPE,
                                     WEIR__P_MATMUL, WEIR__P_GREATER};
  static const weir_status allowed[] = {WEIR_ERR_INTERNAL};
  for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++) {
    armed_prim = prims[i];
    long n = fault_every_site(arm_kernel, kernel_fired, allowed, 1, "injected failure", weir__prim_name(prims[i]));
    CHECK_MSG(n == 1, "no task of %s ran in the workload", weir__prim_name(prims[i]));
  }
}

int main(void) {
  h_init("test_faults");
  if (!workload_init()) return h_skip(weir_last_error());
  H_RUN(test_alloc_failure_every_site);
  H_RUN(test_kernel_failure_each_task);
  weir_array_free(x_in);
  return h_finish();
}
