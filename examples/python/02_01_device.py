# From seeds/002_74937a9b7642c6ab.txt (MLX "Devices and Streams" API reference), section "Devices > Device".
# The seed's Python snippet verbatim; only the import line is changed (mlx.core -> weir.core).
import weir.core as mx

# Create devices
cpu = mx.Device(mx.cpu)
gpu = mx.Device(mx.gpu)

print(cpu)  # Device(cpu, 0)
print(gpu)  # Device(gpu, 0)
