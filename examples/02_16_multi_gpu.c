/* Seed 002 ("Multi-GPU Usage"):

   import mlx.core as mx

   num_gpus = mx.device_count(mx.gpu)
   print(f"Available GPUs: {num_gpus}")

   # Use specific GPU
   if num_gpus > 1:
       gpu0 = mx.Device(mx.gpu, 0)
       gpu1 = mx.Device(mx.gpu, 1)

       stream0 = mx.default_stream(gpu0)
       stream1 = mx.default_stream(gpu1)

       # Schedule operations on different GPUs
       a = mx.array([1, 2, 3])
       b = mx.add(a, 1, stream=stream0)  # GPU 0
       c = mx.add(a, 2, stream=stream1)  # GPU 1

   Prints "Available GPUs: N" (0 on a machine without a GPU, where the branch is skipped). */
#include "example_util.h"

int main(void) {
  int num_gpus = weir_device_count(WEIR_GPU);
  if (num_gpus < 0) {
    fprintf(stderr, "weir_device_count failed: %s\n", weir_last_error());
    return 1;
  }
  printf("Available GPUs: %d\n", num_gpus);

  if (num_gpus > 1) {
    weir_device gpu0 = WEIR_GPU_DEVICE(0);
    weir_device gpu1 = WEIR_GPU_DEVICE(1);

    weir_stream stream0, stream1;
    WX_CHECK(weir_default_stream(gpu0, &stream0));
    WX_CHECK(weir_default_stream(gpu1, &stream1));

    weir_array *a = NULL, *one = NULL, *two = NULL, *b = NULL, *c = NULL;
    const int32_t va[3] = {1, 2, 3};
    WX_CHECK(wx_array_i32(&a, va, 3));
    WX_CHECK(wx_scalar_i32(&one, 1));
    WX_CHECK(wx_scalar_i32(&two, 2));
    WX_CHECK(weir_add(&b, a, one, stream0));
    WX_CHECK(weir_add(&c, a, two, stream1));

    if (!weir_device_equal(weir_array_stream(b).device, gpu0) ||
        !weir_device_equal(weir_array_stream(c).device, gpu1)) {
      fprintf(stderr, "an op was not placed on the GPU it was given\n");
      return 1;
    }
    weir_array_free(a);
    weir_array_free(one);
    weir_array_free(two);
    weir_array_free(b);
    weir_array_free(c);
  }
  return 0;
}
