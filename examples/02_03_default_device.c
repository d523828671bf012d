/* Seed 002 ("Devices" > "default_device"):

   import mlx.core as mx

   device = mx.default_device()
   print(device)  # Device(gpu, 0) or Device(cpu, 0)

   weir's default is gpu:0 when a GPU is present, else the CPU (WEIR_DEVICE=cpu|gpu overrides). */
#include "example_util.h"

int main(void) {
  weir_device device = weir_default_device();
  if (wx_print_device(device)) return 1;
  return 0;
}
