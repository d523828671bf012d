/* Seed 002 ("Streams" > "Stream"):

   import mlx.core as mx

   # Create a new stream on the GPU
   stream = mx.Stream(mx.gpu)

   # Schedule operations on this stream
   a = mx.array([1, 2, 3])
   b = mx.add(a, 1, stream=stream)

   mx.Stream(mx.gpu) makes a new stream: weir_stream_new. Prints nothing on stdout, like the
   Python (b stays lazy). Without a GPU the stream is made on the CPU. */
#include "example_util.h"

int main(void) {
  weir_stream stream;
  WX_CHECK(weir_stream_new(wx_gpu_or_cpu(), &stream));

  weir_array *a = NULL, *one = NULL, *b = NULL;
  const int32_t va[3] = {1, 2, 3};
  WX_CHECK(wx_array_i32(&a, va, 3));
  WX_CHECK(wx_scalar_i32(&one, 1));
  WX_CHECK(weir_add(&b, a, one, stream));

  if (!weir_stream_equal(weir_array_stream(b), stream)) {
    fprintf(stderr, "b is not on the stream it was scheduled on\n");
    return 1;
  }
  weir_array_free(a);
  weir_array_free(one);
  weir_array_free(b);
  WX_CHECK(weir_stream_free(stream));
  return 0;
}
