# From seeds/000_4e83b3e260e04a46.txt (MLX docs page devices_and_streams.md), section "Examples".
# The seed's Python snippet verbatim; only the import line is changed (mlx.core -> weir.core).
# Runs without a GPU: mx.new_stream() uses the default device.
# mlx-lacks: `with mx.default_device(mx.cpu):`, `mx.new_stream()` with no argument, `with s:` (a Stream as a context manager)
import weir.core as mx

print(mx.default_device())

# Run a block on CPU explicitly
with mx.default_device(mx.cpu):
    a = mx.ones((1024, 1024))

# Queue work on a new stream and sync before host use
s = mx.new_stream()
with s:
    b = mx.random.normal((2048, 2048)) @ mx.random.normal((2048, 2048))
# Change default device globally (all subsequent ops)
mx.set_default_device(mx.cpu)

# Ensure work completed before converting to Python types / printing
mx.synchronize()
print(b.shape)
