# From seeds/002_74937a9b7642c6ab.txt (MLX "Devices and Streams" API reference), section "Streams > set_default_stream".
# The seed's Python snippet verbatim; only the import line is changed (mlx.core -> weir.core).
# mx.Stream(mx.gpu) makes a new stream on gpu:0, so this needs a GPU.
# requires: gpu
# mlx-lacks: a constructor for mx.Stream (`mx.Stream(mx.gpu)`)
import weir.core as mx

# Create a custom stream
custom_stream = mx.Stream(mx.gpu)

# Set it as the default for GPU operations
mx.set_default_stream(custom_stream)

# Now operations use this stream by default
a = mx.array([1, 2, 3])
