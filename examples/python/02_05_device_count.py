# From seeds/002_74937a9b7642c6ab.txt (MLX "Devices and Streams" API reference), section "Devices > device_count".
# The seed's Python snippet verbatim; only the import line is changed (mlx.core -> weir.core).
import weir.core as mx

num_gpus = mx.device_count(mx.gpu)
print(f"Number of GPUs: {num_gpus}")

num_cpus = mx.device_count(mx.cpu)
print(f"Number of CPUs: {num_cpus}")  # Usually 1
