# From seeds/004_7b0bd7d075f8d472.txt (guide "Devices and Streams"), section "Devices".
# The seed's Python snippet verbatim; only the import line is changed (mlx.core -> weir.core).
# mx.set_default_device(mx.gpu) needs a GPU (the seed's "# if available" is only a comment).
# The seed's comment "e.g., Device(gpu:0)" is not what MLX prints: it prints Device(gpu, 0).
# x.astype(mx.float64) names no stream while the default device is the GPU: weir runs a float64
# op that names no stream on the CPU's default stream (DESIGN.md: float64 is a CPU dtype; only an
# explicit GPU stream is an error), so the snippet runs as written.
# requires: gpu
# mlx-lacks: `with mx.default_device(mx.cpu):`
import weir.core as mx

print(mx.default_device())  # e.g., Device(gpu:0)

with mx.default_device(mx.cpu):
    x = mx.ones((1024, 1024))

# CPU route for a single op without changing global default
mx.set_default_device(mx.gpu)  # if available
y64 = mx.sum(x.astype(mx.float64), stream=mx.cpu)
