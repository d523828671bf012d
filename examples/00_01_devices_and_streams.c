/* Seed 000 (devices_and_streams.md, "Examples"):

   import mlx.core as mx

   print(mx.default_device())

   # Run a block on CPU explicitly
   with mx.default_device(mx.cpu):
       a = mx.ones((1024, 1024))

   # Queue work on a new stream and sync before host use
   s = mx.new_stream()
   with s:
       b = mx.random.normal((2048, 2048)) @ mx.random.normal((2048, 2048))
   # Change default device globally (all subsequent ops)
   mx.set_default_device(mx.cpu)

   # Ensure work completed before converting to Python types / printing
   mx.synchronize()
   print(b.shape)

   Prints the default device (Device(cpu, 0) without a GPU) and "(2048, 2048)".
   As in Python, b is never evaluated: its shape is known when the op is built. */
#include "example_util.h"

int main(void) {
  if (wx_print_device(weir_default_device())) return 1;

  /* with mx.default_device(mx.cpu): scoped to this thread by pushing the CPU's default stream */
  weir_stream cpu_default;
  WX_CHECK(weir_default_stream(WEIR_CPU_DEVICE, &cpu_default));
  WX_CHECK(weir_stream_push(cpu_default));
  weir_array *a = NULL;
  const int64_t shape_a[2] = {1024, 1024};
  WX_CHECK(weir_ones(&a, shape_a, 2, WEIR_FLOAT32, WEIR_DEFAULT));
  WX_CHECK(weir_stream_pop());

  /* s = mx.new_stream(): a new stream on the default device */
  weir_stream s;
  WX_CHECK(weir_stream_new(weir_default_device(), &s));
  WX_CHECK(weir_stream_push(s)); /* with s: */
  const int64_t shape_b[2] = {2048, 2048};
  weir_array *n1 = NULL, *n2 = NULL, *b = NULL;
  WX_CHECK(weir_random_normal(&n1, shape_b, 2, WEIR_FLOAT32, 0.0, 1.0, NULL, WEIR_DEFAULT));
  WX_CHECK(weir_random_normal(&n2, shape_b, 2, WEIR_FLOAT32, 0.0, 1.0, NULL, WEIR_DEFAULT));
  WX_CHECK(weir_matmul(&b, n1, n2, WEIR_DEFAULT));
  WX_CHECK(weir_stream_pop());

  WX_CHECK(weir_set_default_device(WEIR_CPU_DEVICE));
  WX_CHECK(weir_synchronize(WEIR_DEFAULT));
  wx_print_shape(b);

  weir_array_free(a);
  weir_array_free(n1);
  weir_array_free(n2);
  weir_array_free(b);
  WX_CHECK(weir_stream_free(s));
  return 0;
}
