/* Seed 002 ("Streams" > "default_stream"):

   import mlx.core as mx

   # Get default stream for GPU
   stream = mx.default_stream(mx.gpu)

   # Get default stream for CPU
   cpu_stream = mx.default_stream(mx.cpu)

   Prints nothing on stdout, like the Python. Without a GPU, mx.gpu falls back to the CPU. */
#include "example_util.h"

int main(void) {
  weir_stream stream, cpu_stream;
  WX_CHECK(weir_default_stream(wx_gpu_or_cpu(), &stream));
  WX_CHECK(weir_default_stream(WEIR_CPU_DEVICE, &cpu_stream));

  if (stream.index <= 0 || cpu_stream.index <= 0 || !weir_device_equal(cpu_stream.device, WEIR_CPU_DEVICE)) {
    fprintf(stderr, "weir_default_stream returned an unresolved stream\n");
    return 1;
  }
  return 0;
}
