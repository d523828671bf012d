# From seeds/002_74937a9b7642c6ab.txt (MLX "Devices and Streams" API reference), section "Devices > default_device".
# The seed's Python snippet verbatim; only the import line is changed (mlx.core -> weir.core).
import weir.core as mx

device = mx.default_device()
print(device)  # Device(gpu, 0) or Device(cpu, 0)
