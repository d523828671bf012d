# From seeds/002_74937a9b7642c6ab.txt (MLX "Devices and Streams" API reference), section "Best Practices > Multi-GPU Usage".
# The seed's Python snippet verbatim; only the import line is changed (mlx.core -> weir.core).
# Runs without a GPU too: mx.gpu is only used when there are 2 or more GPUs.
import weir.core as mx

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
