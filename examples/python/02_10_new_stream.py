# From seeds/002_74937a9b7642c6ab.txt (MLX "Devices and Streams" API reference), section "Streams > new_stream".
# The seed's Python snippet verbatim; only the import line is changed (mlx.core -> weir.core).
# mx.new_stream(mx.gpu) needs a GPU.
# requires: gpu
import weir.core as mx

# Create new stream on GPU
stream1 = mx.new_stream(mx.gpu)
stream2 = mx.new_stream(mx.gpu)

# Operations on different streams can run in parallel
a = mx.array([1, 2, 3])
b = mx.add(a, 1, stream=stream1)
c = mx.multiply(a, 2, stream=stream2)
