# From seeds/004_7b0bd7d075f8d472.txt (guide "Devices and Streams"), section "Streams".
# The seed's snippet has no import line: `import weir.core as mx` is added (the only change).
# mx.new_stream() with no argument makes a stream on the default device (cpu here without a GPU).
# mlx-lacks: `mx.new_stream()` with no argument
import weir.core as mx

s = mx.new_stream()
with mx.stream(s):
    y = mx.random.normal((4096, 4096)) @ mx.random.normal((4096, 4096))
    # host continues

mx.synchronize()  # wait for outstanding device work

# Per‑op stream example
z = mx.random.normal((1024, 1024), stream=s)
