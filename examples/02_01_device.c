/* Seed 002 ("Devices" > "Device"):

   import mlx.core as mx

   # Create devices
   cpu = mx.Device(mx.cpu)
   gpu = mx.Device(mx.gpu)

   print(cpu)  # Device(cpu, 0)
   print(gpu)  # Device(gpu, 0)

   Devices are plain values in C. Without a GPU, "gpu" falls back to the CPU (note on stderr),
   so the second line prints what weir actually has: Device(cpu, 0). */
#include "example_util.h"

int main(void) {
  weir_device cpu = WEIR_CPU_DEVICE;
  weir_device gpu = wx_gpu_or_cpu();

  if (!weir_device_is_available(cpu) || !weir_device_is_available(gpu)) {
    fprintf(stderr, "device not available: %s\n", weir_last_error());
    return 1;
  }
  if (wx_print_device(cpu)) return 1;
  if (wx_print_device(gpu)) return 1;
  return 0;
}
