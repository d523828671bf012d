/* Fault injection (issue 6) in the CUDA backend: every checked CUDA runtime call, kernel launch
   check, cudaMalloc and pinned host allocation of the workload of fault_workload.h fails in turn
   (the call is skipped, so nothing it would create leaks). Needs a GPU: skipped without one. */
#include "harness.h"

#include "fault_workload.h"

static void test_cuda_failure_every_call(void) {
  static const weir_status allowed[] = {WEIR_ERR_DEVICE, WEIR_ERR_OUT_OF_MEMORY};
  /* checked calls say "CUDA error in <call>", kernel launches "kernel launch failed", allocations
     "out of memory" */
  long calls = fault_every_site(weir__inject_cuda_failure, weir__injected_cuda_failed, allowed, 2,
                                "CUDA error|launch failed|out of memory", "CUDA call");
  CHECK_MSG(calls >= 10, "only %ld checked CUDA calls in the workload: is the hook wired?", calls);
}

int main(void) {
  h_init("test_gpu_faults");
  if (weir_device_count(WEIR_GPU) == 0) return h_skip("no GPU on this machine (CUDA faults need one)");
  if (!workload_init()) return h_skip(weir_last_error());
  H_RUN(test_cuda_failure_every_call);
  weir_array_free(x_in);
  return h_finish();
}
