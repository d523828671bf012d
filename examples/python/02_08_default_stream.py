# From seeds/002_74937a9b7642c6ab.txt (MLX "Devices and Streams" API reference), section "Streams > default_stream".
# The seed's Python snippet verbatim; only the import line is changed (mlx.core -> weir.core).
# mx.default_stream(mx.gpu) needs a GPU.
# requires: gpu
import weir.core as mx

# Get default stream for GPU
stream = mx.default_stream(mx.gpu)

# Get default stream for CPU
cpu_stream = mx.default_stream(mx.cpu)
