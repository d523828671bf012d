/* Seed 004 (Devices and Streams, "Devices"):

   import mlx.core as mx

   print(mx.default_device())  # e.g., Device(gpu:0)

   with mx.default_device(mx.cpu):
       x = mx.ones((1024, 1024))

   # CPU route for a single op without changing global default
   mx.set_default_device(mx.gpu)  # if available
   y64 = mx.sum(x.astype(mx.float64), stream=mx.cpu)

   weir prints devices as Device(gpu, 0) / Device(cpu, 0). The Python's astype has no stream,
   so it would run on the default device -- the GPU, where weir rejects float64 at the call.
   The C version routes the astype to the CPU as well (stream=mx.cpu on both ops), which is
   what the snippet means by "CPU route". Without a GPU, set_default_device(mx.gpu) is
   skipped ("if available"). As in Python, y64 is not evaluated; stdout is the one device line. */
#include "example_util.h"

int main(void) {
  if (wx_print_device(weir_default_device())) return 1;

  /* with mx.default_device(mx.cpu): */
  weir_stream cpu_default;
  WX_CHECK(weir_default_stream(WEIR_CPU_DEVICE, &cpu_default));
  WX_CHECK(weir_stream_push(cpu_default));
  weir_array *x = NULL;
  const int64_t shape[2] = {1024, 1024};
  WX_CHECK(weir_ones(&x, shape, 2, WEIR_FLOAT32, WEIR_DEFAULT));
  WX_CHECK(weir_stream_pop());

  if (weir_device_count(WEIR_GPU) > 0) {
    WX_CHECK(weir_set_default_device(WEIR_GPU_DEVICE(0)));
  } else {
    fprintf(stderr, "note: no GPU, the default device stays Device(cpu, 0)\n");
  }

  weir_array *x64 = NULL, *y64 = NULL;
  WX_CHECK(weir_astype(&x64, x, WEIR_FLOAT64, weir_on(WEIR_CPU_DEVICE)));
  WX_CHECK(weir_sum(&y64, x64, NULL, 0, false, weir_on(WEIR_CPU_DEVICE)));
  if (weir_array_dtype(y64) != WEIR_FLOAT64 || weir_array_ndim(y64) != 0) {
    fprintf(stderr, "sum of a float64 array is not a float64 scalar\n");
    return 1;
  }

  weir_array_free(x);
  weir_array_free(x64);
  weir_array_free(y64);
  return 0;
}
