/* Seed 002 ("Devices" > "device_count"):

   import mlx.core as mx

   num_gpus = mx.device_count(mx.gpu)
   print(f"Number of GPUs: {num_gpus}")

   num_cpus = mx.device_count(mx.cpu)
   print(f"Number of CPUs: {num_cpus}")  # Usually 1 */
#include "example_util.h"

int main(void) {
  int num_gpus = weir_device_count(WEIR_GPU);
  if (num_gpus < 0) {
    fprintf(stderr, "weir_device_count(WEIR_GPU) failed: %s\n", weir_last_error());
    return 1;
  }
  printf("Number of GPUs: %d\n", num_gpus);

  int num_cpus = weir_device_count(WEIR_CPU);
  if (num_cpus < 0) {
    fprintf(stderr, "weir_device_count(WEIR_CPU) failed: %s\n", weir_last_error());
    return 1;
  }
  printf("Number of CPUs: %d\n", num_cpus);
  return 0;
}
