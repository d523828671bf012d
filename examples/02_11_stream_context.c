/* Seed 002 ("Streams" > "stream", the context manager):

   import mlx.core as mx

   # Create a custom stream
   custom_stream = mx.new_stream(mx.gpu)

   # Use it as default within a context
   with mx.stream(custom_stream):
       # Operations in this block use custom_stream
       a = mx.array([1, 2, 3])
       b = mx.add(a, 1)

   # Outside the context, the original default stream is restored
   c = mx.array([4, 5, 6])

   `with mx.stream(s):` is weir_stream_push(s) ... weir_stream_pop(). Prints nothing on stdout,
   like the Python; the program checks that b ran on custom_stream and that the default was
   restored. Without a GPU the stream is made on the CPU. */
#include "example_util.h"

int main(void) {
  weir_stream custom_stream;
  WX_CHECK(weir_stream_new(wx_gpu_or_cpu(), &custom_stream));

  weir_stream before;
  WX_CHECK(weir_stream_resolve(WEIR_DEFAULT, &before));

  WX_CHECK(weir_stream_push(custom_stream));
  weir_array *a = NULL, *one = NULL, *b = NULL;
  const int32_t va[3] = {1, 2, 3};
  WX_CHECK(wx_array_i32(&a, va, 3));
  WX_CHECK(wx_scalar_i32(&one, 1));
  WX_CHECK(weir_add(&b, a, one, WEIR_DEFAULT));
  WX_CHECK(weir_stream_pop());

  weir_array *c = NULL;
  const int32_t vc[3] = {4, 5, 6};
  WX_CHECK(wx_array_i32(&c, vc, 3));

  weir_stream after;
  WX_CHECK(weir_stream_resolve(WEIR_DEFAULT, &after));
  if (!weir_stream_equal(weir_array_stream(b), custom_stream)) {
    fprintf(stderr, "b did not use custom_stream inside the context\n");
    return 1;
  }
  if (!weir_stream_equal(before, after)) {
    fprintf(stderr, "the default stream was not restored after the context\n");
    return 1;
  }

  weir_array_free(a);
  weir_array_free(one);
  weir_array_free(b);
  weir_array_free(c);
  WX_CHECK(weir_stream_free(custom_stream));
  return 0;
}
