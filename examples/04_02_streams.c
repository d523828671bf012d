/* Seed 004 (Devices and Streams, "Streams"):

   s = mx.new_stream()
   with mx.stream(s):
       y = mx.random.normal((4096, 4096)) @ mx.random.normal((4096, 4096))
       # host continues

   mx.synchronize()  # wait for outstanding device work

   # Per-op stream example
   z = mx.random.normal((1024, 1024), stream=s)

   mx.new_stream() with no argument makes a stream on the default device. Prints nothing on
   stdout, like the Python; as there, y and z are built but never evaluated. */
#include "example_util.h"

int main(void) {
  weir_stream s;
  WX_CHECK(weir_stream_new(weir_default_device(), &s));

  WX_CHECK(weir_stream_push(s)); /* with mx.stream(s): */
  const int64_t big[2] = {4096, 4096};
  weir_array *n1 = NULL, *n2 = NULL, *y = NULL;
  WX_CHECK(weir_random_normal(&n1, big, 2, WEIR_FLOAT32, 0.0, 1.0, NULL, WEIR_DEFAULT));
  WX_CHECK(weir_random_normal(&n2, big, 2, WEIR_FLOAT32, 0.0, 1.0, NULL, WEIR_DEFAULT));
  WX_CHECK(weir_matmul(&y, n1, n2, WEIR_DEFAULT));
  WX_CHECK(weir_stream_pop());

  WX_CHECK(weir_synchronize(WEIR_DEFAULT));

  const int64_t small[2] = {1024, 1024};
  weir_array *z = NULL;
  WX_CHECK(weir_random_normal(&z, small, 2, WEIR_FLOAT32, 0.0, 1.0, NULL, s));

  if (!weir_stream_equal(weir_array_stream(y), s) || !weir_stream_equal(weir_array_stream(z), s)) {
    fprintf(stderr, "y or z is not on stream s\n");
    return 1;
  }
  weir_array_free(n1);
  weir_array_free(n2);
  weir_array_free(y);
  weir_array_free(z);
  WX_CHECK(weir_stream_free(s));
  return 0;
}
