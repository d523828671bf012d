/* Seed 002 ("Streams" > "set_default_stream"):

   import mlx.core as mx

   # Create a custom stream
   custom_stream = mx.Stream(mx.gpu)

   # Set it as the default for GPU operations
   mx.set_default_stream(custom_stream)

   # Now operations use this stream by default
   a = mx.array([1, 2, 3])

   Prints nothing on stdout, like the Python. Without a GPU the stream is made on the CPU.
   set_default_stream sets the default for the stream's device; "operations use this stream by
   default" when that device is the default device, which the program checks with an add. */
#include "example_util.h"

int main(void) {
  weir_device gpu = wx_gpu_or_cpu();
  weir_stream custom_stream;
  WX_CHECK(weir_stream_new(gpu, &custom_stream));
  WX_CHECK(weir_set_default_stream(custom_stream));

  weir_array *a = NULL;
  const int32_t va[3] = {1, 2, 3};
  WX_CHECK(wx_array_i32(&a, va, 3));

  weir_stream def;
  WX_CHECK(weir_default_stream(gpu, &def));
  if (!weir_stream_equal(def, custom_stream)) {
    fprintf(stderr, "the default stream did not change\n");
    return 1;
  }
  if (weir_device_equal(weir_default_device(), gpu)) {
    weir_array *b = NULL;
    WX_CHECK(weir_add(&b, a, a, WEIR_DEFAULT));
    if (!weir_stream_equal(weir_array_stream(b), custom_stream)) {
      fprintf(stderr, "an op without a stream did not use the new default stream\n");
      return 1;
    }
    weir_array_free(b);
  }
  weir_array_free(a);
  return 0;
}
