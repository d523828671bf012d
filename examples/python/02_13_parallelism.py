# From seeds/002_74937a9b7642c6ab.txt (MLX "Devices and Streams" API reference), section "Using Streams for Parallelism".
# The seed's Python snippet verbatim; only the import line is changed (mlx.core -> weir.core).
# mx.new_stream(mx.gpu) needs a GPU.
# requires: gpu
import weir.core as mx

# Create two streams
stream1 = mx.new_stream(mx.gpu)
stream2 = mx.new_stream(mx.gpu)

# These operations can run in parallel
a = mx.array([1, 2, 3])
b = mx.add(a, 1, stream=stream1)      # Runs on stream1
c = mx.multiply(a, 2, stream=stream2)  # Runs on stream2 (in parallel)

# Wait for both to complete
mx.synchronize(stream1)
mx.synchronize(stream2)

print(b)  # array([2, 3, 4], dtype=int32)
print(c)  # array([2, 4, 6], dtype=int32)
