/* Seed 002 ("Streams" > "synchronize"):

   import mlx.core as mx

   # Schedule operations
   a = mx.array([1, 2, 3])
   b = mx.add(a, 1)

   # Wait for all operations on default stream to complete
   mx.synchronize()

   # Now it's safe to access the result
   print(b)  # array([2, 3, 4], dtype=int32) */
#include "example_util.h"

int main(void) {
  weir_array *a = NULL, *one = NULL, *b = NULL;
  const int32_t va[3] = {1, 2, 3};
  WX_CHECK(wx_array_i32(&a, va, 3));
  WX_CHECK(wx_scalar_i32(&one, 1));
  WX_CHECK(weir_add(&b, a, one, WEIR_DEFAULT));

  WX_CHECK(weir_synchronize(WEIR_DEFAULT));

  WX_CHECK(wx_print_array(b));

  weir_array_free(a);
  weir_array_free(one);
  weir_array_free(b);
  return 0;
}
