# From seeds/004_7b0bd7d075f8d472.txt (guide "Devices and Streams"), section "Example: CPU and GPU in parallel".
# The seed's Python snippet verbatim; only the import line is changed (mlx.core -> weir.core).
# mx.new_stream(mx.gpu) needs a GPU.
# requires: gpu
import weir.core as mx

# Two inputs
a = mx.random.uniform(shape=(2048, 2048))
b = mx.random.uniform(shape=(2048, 2048))

# Create streams bound to CPU and GPU (if available)
cpu_stream = mx.new_stream(mx.cpu)
gpu_stream = mx.new_stream(mx.gpu)

# Dispatch independent ops; nothing runs yet (lazy)
c = mx.add(a, b, stream=cpu_stream)
d = mx.matmul(a, b, stream=gpu_stream)

# Wait for each stream if you need the results now
mx.synchronize(cpu_stream)
mx.synchronize(gpu_stream)

# Materialize arrays (or continue passing them through MLX ops)
mx.eval(c, d)
