# From seeds/002_74937a9b7642c6ab.txt (MLX "Devices and Streams" API reference), section "Streams > stream".
# The seed's Python snippet verbatim; only the import line is changed (mlx.core -> weir.core).
# mx.new_stream(mx.gpu) needs a GPU.
# requires: gpu
import weir.core as mx

# Create a custom stream
custom_stream = mx.new_stream(mx.gpu)

# Use it as default within a context
with mx.stream(custom_stream):
    # Operations in this block use custom_stream
    a = mx.array([1, 2, 3])
    b = mx.add(a, 1)

# Outside the context, the original default stream is restored
c = mx.array([4, 5, 6])
