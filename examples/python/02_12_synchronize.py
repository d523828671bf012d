# From seeds/002_74937a9b7642c6ab.txt (MLX "Devices and Streams" API reference), section "Streams > synchronize".
# The seed's Python snippet verbatim; only the import line is changed (mlx.core -> weir.core).
import weir.core as mx

# Schedule operations
a = mx.array([1, 2, 3])
b = mx.add(a, 1)

# Wait for all operations on default stream to complete
mx.synchronize()

# Now it's safe to access the result
print(b)  # array([2, 3, 4], dtype=int32)
