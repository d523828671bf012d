/* Seed 002 ("Device-Specific Operations"):

   import mlx.core as mx

   # Create array on CPU
   a = mx.array([1, 2, 3])

   # Perform operation on GPU
   b = mx.add(a, 1, stream=mx.default_stream(mx.gpu))

   # Perform operation on CPU
   c = mx.multiply(a, 2, stream=mx.default_stream(mx.cpu))

   Prints nothing on stdout, like the Python (b and c stay lazy); the program checks where each
   op was placed. Without a GPU, b runs on the CPU too. */
#include "example_util.h"

int main(void) {
  weir_array *a = NULL, *one = NULL, *two = NULL, *b = NULL, *c = NULL;
  const int32_t va[3] = {1, 2, 3};
  WX_CHECK(wx_array_i32(&a, va, 3));
  WX_CHECK(wx_scalar_i32(&one, 1));
  WX_CHECK(wx_scalar_i32(&two, 2));

  weir_stream gpu_default, cpu_default;
  WX_CHECK(weir_default_stream(wx_gpu_or_cpu(), &gpu_default));
  WX_CHECK(weir_add(&b, a, one, gpu_default));

  WX_CHECK(weir_default_stream(WEIR_CPU_DEVICE, &cpu_default));
  WX_CHECK(weir_multiply(&c, a, two, cpu_default));

  if (!weir_stream_equal(weir_array_stream(b), gpu_default) ||
      !weir_stream_equal(weir_array_stream(c), cpu_default)) {
    fprintf(stderr, "an op was not placed on the stream it was given\n");
    return 1;
  }
  weir_array_free(a);
  weir_array_free(one);
  weir_array_free(two);
  weir_array_free(b);
  weir_array_free(c);
  return 0;
}
