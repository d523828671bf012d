/* Seed 002 ("Using Streams for Parallelism"):

   import mlx.core as mx

   # Create two streams
   stream1 = mx.new_stream(mx.gpu)
   stream2 = mx.new_stream(mx.gpu)

   # These operations can run in parallel
   a = mx.array([1, 2, 3])
   b = mx.add(a, 1, stream=stream1)      # Runs on stream1
   c = mx.multiply(a, 2, stream=stream2)  # Runs on stream2 (in parallel)

   # Wait for both to complete
   mx.synchronize(stream1)
   mx.synchronize(stream2)

   print(b)  # array([2, 3, 4], dtype=int32)
   print(c)  # array([2, 4, 6], dtype=int32)

   Without a GPU the two streams are made on the CPU (each CPU stream has its own worker). */
#include "example_util.h"

int main(void) {
  weir_device gpu = wx_gpu_or_cpu();
  weir_stream stream1, stream2;
  WX_CHECK(weir_stream_new(gpu, &stream1));
  WX_CHECK(weir_stream_new(gpu, &stream2));

  weir_array *a = NULL, *one = NULL, *two = NULL, *b = NULL, *c = NULL;
  const int32_t va[3] = {1, 2, 3};
  WX_CHECK(wx_array_i32(&a, va, 3));
  WX_CHECK(wx_scalar_i32(&one, 1));
  WX_CHECK(wx_scalar_i32(&two, 2));
  WX_CHECK(weir_add(&b, a, one, stream1));
  WX_CHECK(weir_multiply(&c, a, two, stream2));

  WX_CHECK(weir_synchronize(stream1));
  WX_CHECK(weir_synchronize(stream2));

  WX_CHECK(wx_print_array(b));
  WX_CHECK(wx_print_array(c));

  weir_array_free(a);
  weir_array_free(one);
  weir_array_free(two);
  weir_array_free(b);
  weir_array_free(c);
  WX_CHECK(weir_stream_free(stream1));
  WX_CHECK(weir_stream_free(stream2));
  return 0;
}
