/* Seed 004 (Devices and Streams, "Example: CPU and GPU in parallel"):

   import mlx.core as mx

   # Two inputs
   a = mx.random.uniform(shape=(2048, 2048))
   b = mx.random.uniform(shape=(2048, 2048))

   # Create streams bound to CPU and GPU (if available)
   cpu_stream = mx.new_stream(mx.cpu)
   gpu_stream = mx.new_stream(mx.gpu)

   # Dispatch independent ops; nothing runs yet (lazy)
   c = mx.add(a, b, stream=cpu_stream)
   d = mx.matmul(a, b, stream=gpu_stream)

   # Wait for each stream if you need the results now
   mx.synchronize(cpu_stream)
   mx.synchronize(gpu_stream)

   # Materialize arrays (or continue passing them through MLX ops)
   mx.eval(c, d)

   Prints nothing on stdout, like the Python. Without a GPU, gpu_stream is a second CPU stream,
   so the add and the matmul still run concurrently on two CPU workers. */
#include "example_util.h"

int main(void) {
  const int64_t shape[2] = {2048, 2048};
  weir_array *a = NULL, *b = NULL;
  WX_CHECK(weir_random_uniform(&a, shape, 2, WEIR_FLOAT32, 0.0, 1.0, NULL, WEIR_DEFAULT));
  WX_CHECK(weir_random_uniform(&b, shape, 2, WEIR_FLOAT32, 0.0, 1.0, NULL, WEIR_DEFAULT));

  weir_stream cpu_stream, gpu_stream;
  WX_CHECK(weir_stream_new(WEIR_CPU_DEVICE, &cpu_stream));
  WX_CHECK(weir_stream_new(wx_gpu_or_cpu(), &gpu_stream));

  weir_array *c = NULL, *d = NULL;
  WX_CHECK(weir_add(&c, a, b, cpu_stream));
  WX_CHECK(weir_matmul(&d, a, b, gpu_stream));

  WX_CHECK(weir_synchronize(cpu_stream));
  WX_CHECK(weir_synchronize(gpu_stream));

  weir_array *outs[2] = {c, d};
  WX_CHECK(weir_eval(outs, 2));

  weir_array_free(a);
  weir_array_free(b);
  weir_array_free(c);
  weir_array_free(d);
  WX_CHECK(weir_stream_free(cpu_stream));
  WX_CHECK(weir_stream_free(gpu_stream));
  return 0;
}
