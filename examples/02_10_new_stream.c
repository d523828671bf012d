/* Seed 002 ("Streams" > "new_stream"):

   import mlx.core as mx

   # Create new stream on GPU
   stream1 = mx.new_stream(mx.gpu)
   stream2 = mx.new_stream(mx.gpu)

   # Operations on different streams can run in parallel
   a = mx.array([1, 2, 3])
   b = mx.add(a, 1, stream=stream1)
   c = mx.multiply(a, 2, stream=stream2)

   Prints nothing on stdout, like the Python (b and c stay lazy). Without a GPU the streams are
   made on the CPU. */
#include "example_util.h"

int main(void) {
  weir_device gpu = wx_gpu_or_cpu();
  weir_stream stream1, stream2;
  WX_CHECK(weir_stream_new(gpu, &stream1));
  WX_CHECK(weir_stream_new(gpu, &stream2));
  if (weir_stream_equal(stream1, stream2)) {
    fprintf(stderr, "new_stream returned the same stream twice\n");
    return 1;
  }

  weir_array *a = NULL, *one = NULL, *two = NULL, *b = NULL, *c = NULL;
  const int32_t va[3] = {1, 2, 3};
  WX_CHECK(wx_array_i32(&a, va, 3));
  WX_CHECK(wx_scalar_i32(&one, 1));
  WX_CHECK(wx_scalar_i32(&two, 2));
  WX_CHECK(weir_add(&b, a, one, stream1));
  WX_CHECK(weir_multiply(&c, a, two, stream2));

  weir_array_free(a);
  weir_array_free(one);
  weir_array_free(two);
  weir_array_free(b);
  weir_array_free(c);
  WX_CHECK(weir_stream_free(stream1));
  WX_CHECK(weir_stream_free(stream2));
  return 0;
}
