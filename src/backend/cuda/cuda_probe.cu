// Exercises the CUDA toolchain in every CUDA build: nvcc compiles host and device code
// (sm_90 and its PTX) and the library links cudart.
#include <cuda_runtime.h>

// Never launched; here so the device side of the toolchain runs.
extern "C" __global__ void weir__cuda_probe_kernel(int *out) { *out = 1; }

// The number of CUDA devices; 0 without a driver or a GPU.
extern "C" int weir__cuda_probe_device_count(void) {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError(); // clear the sticky error
    return 0;
  }
  return n;
}
