# From seeds/002_74937a9b7642c6ab.txt (MLX "Devices and Streams" API reference), section "Best Practices > Stream Safety".
# The seed's Python snippet verbatim; only the import line is changed (mlx.core -> weir.core).
# mx.new_stream(mx.gpu) needs a GPU.
# requires: gpu
import weir.core as mx

stream = mx.new_stream(mx.gpu)

a = mx.array([1, 2, 3])
b = mx.add(a, 1, stream=stream)
c = mx.multiply(b, 2, stream=stream)  # Waits for b to complete

mx.synchronize(stream)
print(c)  # array([4, 6, 8], dtype=int32)
