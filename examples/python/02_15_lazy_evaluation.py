# From seeds/002_74937a9b7642c6ab.txt (MLX "Devices and Streams" API reference), section "Best Practices > Lazy Evaluation".
# The seed's Python snippet verbatim; only the import line is changed (mlx.core -> weir.core).
import weir.core as mx

a = mx.array([1, 2, 3])
b = mx.add(a, 1)

# Force evaluation
mx.eval(b)  # or mx.synchronize()

# Now safe to use b
print(b)
