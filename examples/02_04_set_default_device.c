/* Seed 002 ("Devices" > "set_default_device"):

   import mlx.core as mx

   # Set CPU as default
   mx.set_default_device(mx.cpu)

   # Now arrays are created on CPU by default
   a = mx.array([1, 2, 3])

   # Set GPU as default
   mx.set_default_device(mx.gpu)

   # Now arrays are created on GPU by default
   b = mx.array([4, 5, 6])

   Prints nothing on stdout, like the Python. Without a GPU, mx.gpu falls back to the CPU. */
#include "example_util.h"

int main(void) {
  WX_CHECK(weir_set_default_device(WEIR_CPU_DEVICE));
  if (!weir_device_equal(weir_default_device(), WEIR_CPU_DEVICE)) {
    fprintf(stderr, "default device is not the CPU after set_default_device(cpu)\n");
    return 1;
  }
  weir_array *a = NULL;
  const int32_t va[3] = {1, 2, 3};
  WX_CHECK(wx_array_i32(&a, va, 3));

  weir_device gpu = wx_gpu_or_cpu();
  WX_CHECK(weir_set_default_device(gpu));
  if (!weir_device_equal(weir_default_device(), gpu)) {
    fprintf(stderr, "default device did not change\n");
    return 1;
  }
  weir_array *b = NULL;
  const int32_t vb[3] = {4, 5, 6};
  WX_CHECK(wx_array_i32(&b, vb, 3));

  weir_array_free(a);
  weir_array_free(b);
  return 0;
}
