# From seeds/002_74937a9b7642c6ab.txt (MLX "Devices and Streams" API reference), section "Devices > Device ("Common device types")".
# The seed's Python snippet verbatim; only the import line is changed (mlx.core -> weir.core).
import weir.core as mx

mx.cpu  # CPU device type
mx.gpu  # GPU device type
