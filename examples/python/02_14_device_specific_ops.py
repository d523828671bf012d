# From seeds/002_74937a9b7642c6ab.txt (MLX "Devices and Streams" API reference), section "Device-Specific Operations".
# The seed's Python snippet verbatim; only the import line is changed (mlx.core -> weir.core).
# mx.default_stream(mx.gpu) needs a GPU.
# requires: gpu
import weir.core as mx

# Create array on CPU
a = mx.array([1, 2, 3])

# Perform operation on GPU
b = mx.add(a, 1, stream=mx.default_stream(mx.gpu))

# Perform operation on CPU
c = mx.multiply(a, 2, stream=mx.default_stream(mx.cpu))
