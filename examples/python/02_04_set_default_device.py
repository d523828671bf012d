# From seeds/002_74937a9b7642c6ab.txt (MLX "Devices and Streams" API reference), section "Devices > set_default_device".
# The seed's Python snippet verbatim; only the import line is changed (mlx.core -> weir.core).
# mx.set_default_device(mx.gpu) needs a GPU: weir never falls back to the CPU.
# requires: gpu
import weir.core as mx

# Set CPU as default
mx.set_default_device(mx.cpu)

# Now arrays are created on CPU by default
a = mx.array([1, 2, 3])

# Set GPU as default
mx.set_default_device(mx.gpu)

# Now arrays are created on GPU by default
b = mx.array([4, 5, 6])
