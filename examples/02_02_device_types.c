/* Seed 002 ("Devices" > common device types):

   import mlx.core as mx

   mx.cpu  # CPU device type
   mx.gpu  # GPU device type

   The Python evaluates the two names and prints nothing. In C the device types are the enum
   values WEIR_CPU and WEIR_GPU; a device is {type, index}. This program checks that both types
   are usable with the device API and, like the Python, prints nothing on stdout. */
#include "example_util.h"

int main(void) {
  weir_device_type cpu = WEIR_CPU; /* mx.cpu */
  weir_device_type gpu = WEIR_GPU; /* mx.gpu */

  int ncpu = weir_device_count(cpu);
  int ngpu = weir_device_count(gpu);
  if (ncpu != 1 || ngpu < 0) {
    fprintf(stderr, "unexpected device counts: cpu %d, gpu %d\n", ncpu, ngpu);
    return 1;
  }
  weir_device d = {cpu, 0};
  if (!weir_device_equal(d, WEIR_CPU_DEVICE)) {
    fprintf(stderr, "Device(cpu, 0) != WEIR_CPU_DEVICE\n");
    return 1;
  }
  return 0;
}
