/* Seed 002 ("Stream Safety"):

   import mlx.core as mx

   stream = mx.new_stream(mx.gpu)

   a = mx.array([1, 2, 3])
   b = mx.add(a, 1, stream=stream)
   c = mx.multiply(b, 2, stream=stream)  # Waits for b to complete

   mx.synchronize(stream)
   print(c)  # array([4, 6, 8], dtype=int32)

   Without a GPU the stream is made on the CPU. */
#include "example_util.h"

int main(void) {
  weir_stream stream;
  WX_CHECK(weir_stream_new(wx_gpu_or_cpu(), &stream));

  weir_array *a = NULL, *one = NULL, *two = NULL, *b = NULL, *c = NULL;
  const int32_t va[3] = {1, 2, 3};
  WX_CHECK(wx_array_i32(&a, va, 3));
  WX_CHECK(wx_scalar_i32(&one, 1));
  WX_CHECK(wx_scalar_i32(&two, 2));
  WX_CHECK(weir_add(&b, a, one, stream));
  WX_CHECK(weir_multiply(&c, b, two, stream));

  WX_CHECK(weir_synchronize(stream));
  WX_CHECK(wx_print_array(c));

  weir_array_free(a);
  weir_array_free(one);
  weir_array_free(two);
  weir_array_free(b);
  weir_array_free(c);
  WX_CHECK(weir_stream_free(stream));
  return 0;
}
