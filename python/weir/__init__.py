"""weir: MLX's device-and-stream array runtime, written in C.

Use it as MLX: ``import weir.core as mx``.
"""

__all__ = ["core"]
