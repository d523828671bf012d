# From seeds/002_74937a9b7642c6ab.txt (MLX "Devices and Streams" API reference), section "Streams > Stream".
# The seed's Python snippet verbatim; only the import line is changed (mlx.core -> weir.core).
# mx.Stream(mx.gpu) makes a new stream on gpu:0, so this needs a GPU.
# requires: gpu
# mlx-lacks: a constructor for mx.Stream (`mx.Stream(mx.gpu)`)
import weir.core as mx

# Create a new stream on the GPU
stream = mx.Stream(mx.gpu)

# Schedule operations on this stream
a = mx.array([1, 2, 3])
b = mx.add(a, 1, stream=stream)
