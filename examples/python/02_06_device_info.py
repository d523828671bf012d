# From seeds/002_74937a9b7642c6ab.txt (MLX "Devices and Streams" API reference), section "Devices > device_info".
# The seed's Python snippet verbatim; only the import line is changed (mlx.core -> weir.core).
# mx.device_info(mx.gpu) needs a GPU. Its output depends on the machine (expected file: #any).
# requires: gpu
import weir.core as mx

info = mx.device_info(mx.gpu)
print(info)
# Returns device-specific information like memory, architecture, etc.
