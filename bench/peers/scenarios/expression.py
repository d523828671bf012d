"""(4) A 10-op elementwise expression on 16M float32: GELU in its tanh form plus a residual,
x + 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), written op by op (no fused library call)."""
from ..common import median_time

NAME = "expression"
C = 0.7978845608028654  # sqrt(2 / pi)


def gelu_residual(p, x):
    x3 = x * x * x  # 2 ops
    u = (x + x3 * 0.044715) * C  # 3 ops
    g = (x * 0.5) * (p.tanh(u) + 1)  # 4 ops
    return x + g  # 1 op


def run(ctx):
    n = ctx.cfg.expr_elems
    for dev in ctx.devices(NAME):
        case = f"GELU (tanh) + residual, 10 ops, {n >> 20}M float32 [{dev}]"

        def fn(p):
            x = p.uniform((n,))

            def once():
                p.finish(gelu_residual(p, x))

            t, _ = median_time(once, ctx.cfg.reps)
            return {case: (t * 1e3, {"GB/s (in + out)": 8 * n / t / 1e9})}

        ctx.each_peer(NAME, dev, "ms", {case: "x + gelu_tanh(x) as 10 elementwise ops"}, fn)
